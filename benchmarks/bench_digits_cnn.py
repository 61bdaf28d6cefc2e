"""How long does the small digits CNN of "Convolutional layers from scratch" take to train?

Trains the post's CNN (seed 0, float64, the post's recipe) and prints the wall time of
training and its final test accuracy next to the targets: 98% accuracy in under 10 s on
this project's 2-core machine. A script, not a timed test: machines here are noisy.
Usage: python benchmarks/bench_digits_cnn.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from snippets.convolutional_layers_from_scratch.models import (  # noqa: E402
    EPOCHS,
    count_parameters,
    make_cnn,
    train,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times, accuracies = [], []
    for _ in range(args.repeats):
        model = make_cnn(0)
        start = time.perf_counter()
        run = train(model, 0)
        times.append(time.perf_counter() - start)
        accuracies.append(run.final_accuracy)
    best = min(times)
    print(f"digits CNN ({count_parameters(make_cnn(0))} parameters), {EPOCHS} epochs, seed 0")
    print(f"training time: best {best:.2f} s, all {', '.join(f'{t:.2f}' for t in times)} s")
    print(f"test accuracy: {accuracies[0]:.2%}")
    print(f"targets: accuracy >= 98% -> {'met' if accuracies[0] >= 0.98 else 'NOT met'}; "
          f"time < 10 s -> {'met' if best < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
