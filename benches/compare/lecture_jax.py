#!/usr/bin/env python3
"""The lecture example in JAX (float64, CPU): f = (2x+y^2) z^3 at x=4, y=3,
z=2, its value and the three gradients (136; 16, 48, 204), through
jax.value_and_grad without jit (one trace, as a one-off call would do).

    python3 benches/compare/lecture_jax.py

Optional: compare.sh times it only when `import jax` works.
"""
import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp


def f(x, y, z):
    return (2 * x + y**2) * z**3


value, (dx, dy, dz) = jax.value_and_grad(f, argnums=(0, 1, 2))(
    jnp.float64(4.0), jnp.float64(3.0), jnp.float64(2.0)
)
print(f"f = {float(value):.17g}")
print(f"df/dx = {float(dx):.17g}")
print(f"df/dy = {float(dy):.17g}")
print(f"df/dz = {float(dz):.17g}")
