"""One router per resource: surfaces, optimizers, trajectories, sweeps, health, pages, docs."""
