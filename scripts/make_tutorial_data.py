"""Write the small data the tutorials ship in notebooks/data/ (run once; the output is committed).

- ``digit_images/<digit>/<n>.png``: 20 images of each digit 0-9 from kernelkit's embedded 8x8
  digits, upscaled to 24x24 grey PNGs with Pillow's bilinear filter — a tiny image folder in the
  layout ``flow_from_directory`` reads (one sub-folder per class).
- ``reviews.tsv``: 400 short film reviews, ``label<TAB>text`` (1 = positive, 0 = negative),
  composed from templates and word lists written here, for the text tutorial.

Usage: python scripts/make_tutorial_data.py
"""
import os
import random

import numpy as np
from PIL import Image

from kernelkit.datasets import digits

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notebooks", "data")
PER_CLASS = 20

POSITIVE = ["wonderful", "moving", "brilliant", "charming", "gripping", "delightful", "superb",
            "funny", "beautiful", "clever", "touching", "memorable", "stunning", "warm", "smart"]
NEGATIVE = ["boring", "dull", "clumsy", "tedious", "awful", "predictable", "lifeless", "silly",
            "messy", "forgettable", "painful", "shallow", "slow", "weak", "confusing"]
SUBJECTS = ["the film", "this movie", "the story", "the acting", "the script", "the ending",
            "the lead actor", "the soundtrack", "the director's work", "the second half",
            "the dialogue", "the camera work", "the cast", "the plot", "every scene"]
TEMPLATES = [
    "{s} was {a}",
    "{s} was {a} and {a2}",
    "i thought {s} was {a}",
    "honestly {s} felt {a} from start to finish",
    "{s} is {a} , and {s2} is {a2} too",
    "what a {a} experience , {s} was {a2}",
    "{s} was not {o} at all , it was {a}",
    "my friends found {s} {a} and so did i",
    "even {s} could not save it from being {a}",
    "{s} was {a} , i would say {a2}",
]


def write_digit_images(rng):
    images, labels = digits.load_arrays()
    for digit in range(10):
        folder = os.path.join(OUT, "digit_images", str(digit))
        os.makedirs(folder, exist_ok=True)
        chosen = rng.choice(np.flatnonzero(labels == digit), size=PER_CLASS, replace=False)
        for n, index in enumerate(sorted(chosen)):
            pixels = (images[index].astype(np.float32) * (255.0 / 16.0)).round().astype(np.uint8)
            image = Image.fromarray(pixels, mode="L").resize((24, 24), Image.BILINEAR)
            image.save(os.path.join(folder, f"{n:02d}.png"), optimize=True)


def review(label, pick):
    words, others = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
    template = pick.choice(TEMPLATES)
    s, s2 = pick.sample(SUBJECTS, 2)
    a, a2 = pick.sample(words, 2)
    return template.format(s=s, s2=s2, a=a, a2=a2, o=pick.choice(others))


def write_reviews(pick):
    lines = []
    for _ in range(200):
        for label in (1, 0):
            lines.append(f"{label}\t{review(label, pick)}")
    pick.shuffle(lines)
    with open(os.path.join(OUT, "reviews.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_digit_images(np.random.default_rng(0))
    write_reviews(random.Random(0))
