"""Code of the post "Batch, stochastic and mini-batch gradient descent"."""
