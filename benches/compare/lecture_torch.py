#!/usr/bin/env python3
"""The lecture example in PyTorch eager (float64, CPU): f = (2x+y^2) z^3 at
x=4, y=3, z=2, its value and the three gradients (136; 16, 48, 204).

    python3 benches/compare/lecture_torch.py

Timed as a whole process by compare.sh, so `import torch` is part of it.
"""
import torch

x = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
y = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
z = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
f = (2 * x + y**2) * z**3
f.backward()
print(f"f = {f.item():.17g}")
print(f"df/dx = {x.grad.item():.17g}")
print(f"df/dy = {y.grad.item():.17g}")
print(f"df/dz = {z.grad.item():.17g}")
