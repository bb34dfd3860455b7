"""The hand-set weights of the answer step, in one place.

They were set on the dev split (``evals/qa.jsonl``) only; ``benchmarks/calibrate.py`` prints how
the refusal threshold trades refusals against false refusals there. Never tune them on a sealed
test split.
"""

# Extraction: score = MiniLM similarity + OVERLAP × IDF-weighted word overlap + bonuses
OVERLAP = 0.45  # share of the question's (IDF-weighted) words found in the sentence
ASKED_LABEL = 0.20  # the list item is labelled with the attribute asked ("Recovery:" for "downtime")
NAMED_LABEL = 0.15  # the list item's label is a word of the question ("Consultation:")
DEFINITION = 0.25  # the sentence's subject is the thing a "what is X?" question asks about
ENTITY = 0.15  # the sentence (or its heading) names an asked entity
OTHER_ENTITY = 0.25  # penalty: a sentence from another procedure's own section
ENUMERATES = 0.05  # bonus: a sentence naming several scar types or treatments, for "what kinds are there?"
ONE_OF_MANY = 0.15  # penalty: one treatment's own sentence for a question about treatments overall
CHUNK_RANK = 0.04  # tie-break by the rank of the retrieved chunk
EXCLUDED = 0.25  # penalty: the sentence names what the question sets aside ("besides acne, what causes ...?")
ROW = 0.15  # penalty: a table row for a question that is not about prices
RUNNER_UP_GAP = 0.08  # runners-up within this of the best are quoted as support
OTHER_ARTICLE_GAP = 0.10  # another article's best sentence within this of the best is quoted too, labelled
DEFINITION_GAP = 0.25  # ... and, for "what is X?", other sentences defining X within this
REASON = 0.10  # a "why" question: the sentence states a reason ("because", "due to", "aim to")
REASON_GAP = 0.30  # ... and the best reason-giving sentence within this of the best sentence answers it
FIGURE = 0.30  # the sentence holds a figure the question quotes ("where does the 60-70% come from?")
SUPERLATIVE = 0.25  # the sentence states the superlative asked ("which type is the most common?" ↔ "the most common")
DANGLING = 0.20  # penalty: a short sentence that leans on a "these"/"they" it does not name ("Many have a mix of these")
KIND = 0.15  # "which filler ...?": a kind listed under the treatment (a nested, labelled item)
ANSWER_TYPE = 0.15  # the sentence holds the kind of answer asked: a share for "what %", a time for "how long"

# Treatments chosen by a property ("which treatment is safest?"): those whose best sentence is this much
# less similar to the question than the best one's are left out (not when a degree was checked)
PROPERTY_GAP = 0.10
PROPERTY_ONE_SENTENCE = 0.10  # ... and a treatment one sentence of which says every asked word ranks this much higher

# Refusal: decline when both the best score and the best similarity are below these
ANSWER_SCORE = 0.44
UNIT_SIMILARITY = 0.50

# ... but a best sentence at most CLEAR_SHORTFALL below the score threshold and CLEAR_MARGIN ahead of the
# runner-up answers (a list item saying several things is a weak match for a short question as a whole)
CLEAR_SHORTFALL = 0.10
CLEAR_MARGIN = 0.20

# Coverage: a question word the article never uses ("refund", "alcohol"), with the best sentence
# less similar than this, means the asked fact is missing: the reply says so and abstains
UNBOUND_SIMILARITY = 0.55
# ... and a word it uses in only one or two sentences ("refund" beside "VAT refunds") counts as
# missing only when the best sentence is less similar than this
RARE_SIMILARITY = 0.45
# ... and a topic with no article word near it ("alcohol"; neighbours.py) is missing unless the best
# sentence is at least this similar (then its words are taken as a paraphrase: "a ride from the airport" ~ "airport transfers")
ABSENT_SIMILARITY = 0.65

# LLM mode: a cited sentence must share at least this share of its content words with its source
CLAIM_OVERLAP = 0.5
