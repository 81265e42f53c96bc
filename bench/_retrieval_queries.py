"""Labelled queries for the shared ShortScience pages: each describes one paper in other words than it uses.

Written by hand for `bench.retrieval` and the search tests, as (query, paper id); no corpus text is stored here.
"""

from __future__ import annotations

# Stand-ins for the two queries of issue 19 (their papers are not in the shared corpus): a paper on an agent that
# chooses its own intermediate goals and pays itself for reaching them (exploration where rewards are rare), and one
# on text classifiers small enough for a phone (making networks smaller).
SUBGOALS = ("agent that sets itself sub-targets and rewards itself for reaching them", "ss-b78348df358e")
ON_DEVICE = ("tiny text classifiers that fit on a phone without storing a vocabulary", "ss-3b6fc8b2e34f")

QUERIES: list[tuple[str, str]] = [
    SUBGOALS,
    ON_DEVICE,
    ("drug-like chemical strings from a generator steered by policy-gradient rewards", "ss-b77b95fc1ec9"),
    ("fixed wavelet filter banks as the first layers of a picture classifier", "ss-640c74534ee0"),
    ("how many dimensions the region of transferable perturbations spans", "ss-e88f3f5aca9a"),
    ("lookahead planning with a learned abstract model predicting future worth, not pixels", "ss-1df7400f851e"),
    ("gridworld environments that check whether an agent behaves safely", "ss-793e94a92210"),
    ("corrupting the training set so the model learns wrong labels", "ss-3a60d53022d3"),
    ("penalizing peaked output distributions so models are less sure of themselves", "ss-2d5343180d8d"),
    ("optimization attack that breaks the temperature softmax defence", "ss-ce57029411cd"),
    ("explaining decisions with human notions like stripes as directions in hidden space", "ss-9c65be2b7cc8"),
    ("a generator that cleans manipulated inputs before they are classified", "ss-fe813e0c95f6"),
    ("recovering what an expert optimizes from watching its demonstrations", "ss-016a76285d2b"),
    ("how sturdy nearest-neighbour classifiers are under worst-case input noise", "ss-32c62aee4850"),
    ("measuring how much a classifier tolerates geometric warps such as rotations", "ss-52583ea64320"),
    ("a printable sticker that makes a recognizer see a toaster anywhere in the scene", "ss-5ff80518c53c"),
    ("certified training with a convex outer bound on what the net can output", "ss-d59377fdbcfb"),
    ("letting a classifier abstain on inputs it should not answer", "ss-a3c9543da2f4"),
    ("plotting the error surface around trained weights to see sharp and flat minima", "ss-1200ed78012c"),
    ("changing a single dot in a picture, found by evolutionary search, flips the prediction", "ss-2c9e1bf681fc"),
    ("synthesizing pictures from written captions", "ss-70518715b62b"),
    ("populations of bots inventing their own communication protocol", "ss-bf8d527441ab"),
    ("each player anticipates how its opponent will update in multi-player learning", "ss-eb74b91a701a"),
    ("a robot walks through a house to reply to a question", "ss-7715af37961d"),
    ("keeping weight matrices near orthonormal to bound the Lipschitz constant", "ss-6f327fb00166"),
    ("bit depth reduction and smoothing to spot manipulated inputs", "ss-484660e5750a"),
    ("perturbed pictures still fool a phone camera after being put on paper", "ss-20dcc25f0189"),
    ("translating between picture domains without paired data, going there and back", "ss-a061746ec7a7"),
    ("one-stage detector whose loss down-weights the easy background", "ss-436dac523127"),
    ("flagging inputs unlike the training data with temperature scaling and small nudges", "ss-d4426a319d26"),
    ("learning new tasks one after another without forgetting the old skills", "ss-c8244468b409"),
    ("making rendered eye pictures look like real photos with a refiner network", "ss-ad6424fd03e7"),
    ("predicting the next video frame, inspired by predictive coding in the brain", "ss-d67fba86c6d3"),
    ("labelling nouns and verbs with recurrent nets reading characters too", "ss-35bec4cebe1f"),
    ("do recurrent language models track subject-verb agreement over long spans", "ss-33c73beaf071"),
    ("adjusting word vectors with synonym and antonym lists", "ss-18a36e1775be"),
    ("grouped convolutions with cardinality as a new dimension of residual blocks", "ss-a72a677d5dee"),
    ("a recurrent net that proposes parameter updates instead of a hand-designed optimizer", "ss-0edfff825690"),
    ("gradient reversal so features cannot tell the source domain from the target", "ss-4d5d957ecbdb"),
    ("filters that respond consistently when the input picture is turned", "ss-0d1b2d0f7892"),
    ("locating the joints of people in pictures", "ss-a517d6cba0a9"),
    ("machine translation that reads letters rather than whole tokens", "ss-5214081f9375"),
    ("sharpening small blurry pictures into large detailed ones", "ss-535b071abda8"),
    ("finding a given pedestrian in a gallery of full scene photos", "ss-76b070a10ba5"),
    ("representations of diagnoses learned from electronic health records", "ss-6ebb2286275c"),
    ("a robot picks things up using a depth camera", "ss-9016e6d13a69"),
]

# A labelled sample for `similar`: papers whose subject a reader names at a glance.
SUBJECTS: dict[str, str] = {
    **dict.fromkeys(
        "e88f3f5aca9a 788c9fb742db ce57029411cd 32c62aee4850 5ff80518c53c 2c9e1bf681fc 484660e5750a a28f1bae42ce "
        "d4f52de1dbc4 547b47f18b9d 9705fc26b4fa".split(),
        "adversarial examples",
    ),
    **dict.fromkeys(
        "1df7400f851e 793e94a92210 016a76285d2b b78348df358e 24cdbae3b66e 80cba1a59d54 eb74b91a701a".split(),
        "reinforcement learning",
    ),
    **dict.fromkeys(
        "35bec4cebe1f 33c73beaf071 3d92f8b15917 720a8060b2d2 18a36e1775be 8bf56120fa1b 5214081f9375".split(),
        "language",
    ),
    **dict.fromkeys("436dac523127 c8536f4c4b75 cb989ecf28c5 1c91c4434922 d847c24d12d6".split(), "object detection"),
    **dict.fromkeys(
        "a061746ec7a7 70518715b62b 033ba14d787c 6f9f05f684c8 fd3655a04af9 1c5dd880137d a80a6bdcf836".split(),
        "image generation and style",
    ),
    **dict.fromkeys("b77b95fc1ec9 8aa86f584a3c 1f1caeac1c19 1ba29fa177be".split(), "molecules"),
}
SUBJECTS = {f"ss-{key}": subject for key, subject in SUBJECTS.items()}
