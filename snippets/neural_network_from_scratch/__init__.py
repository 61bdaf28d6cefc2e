"""Code of the post "A neural network from scratch: fully connected layers".

``mlp``: the digits data, the model and the five-step training loop written out;
``backprop``: shapes traced through the network and a float64 gradient check;
``figures``: the training curves, the misclassified digits and the printed results.
"""
