"""Domain vocabulary: how patients name the things an article like this talks about.

This is general dermatology / medical-tourism knowledge (synonyms, lay terms, brand names,
country names), not a list of questions. Each canonical entity is bound at load time to what
the corpus actually contains (headings, table rows, list labels); an alias whose entity the
corpus never mentions makes the question "about something the article does not cover".
"""

from __future__ import annotations

from pathlib import Path

PROCEDURES: dict[str, list[str]] = {
    "dermal fillers": [
        "dermal filler", "dermal fillers", "filler", "fillers", "facial filler", "facial fillers",
        "injectable filler", "injectable fillers", "injectables", "filler injection", "filler injections",
        "ha filler", "ha fillers", "hyaluronic acid filler", "hyaluronic acid fillers", "juvederm",
        "restylane", "radiesse", "bellafill", "sculptra", "fat transfer", "autologous fat transfer",
        "fat grafting", "fillers for scars",
    ],
    "microneedling": [
        "microneedling", "micro needling", "micro-needling", "microneedle", "micro needle", "needling",
        "collagen induction therapy", "collagen induction", "cit", "dermaroller", "derma roller",
        "dermapen", "derma pen", "skin needling",
    ],
    "laser resurfacing": [
        "laser resurfacing", "laser", "lasers", "laser therapy", "laser treatment", "laser treatments",
        "co2 laser", "co2", "fractional laser", "fractional co2", "fraxel", "erbium", "erbium yag",
        "ablative laser", "non-ablative laser", "pulsed dye laser", "resurfacing", "laser skin resurfacing",
    ],
    "chemical peels": [
        "chemical peel", "chemical peels", "peel", "peels", "peeling", "tca peel", "tca",
        "glycolic peel", "phenol peel", "acid peel", "skin peel",
    ],
    "subcision": ["subcision", "subcisions", "subcission", "subscision"],
    "punch excision": [
        "punch excision", "punch excisions", "punch grafting", "punch graft", "excision", "punch technique",
        "punch removal", "grafting", "skin graft",
    ],
    "stem cell therapy": [
        "stem cell therapy", "stem cell", "stem cells", "stem-cell", "exosome", "exosomes",
        "stem cell treatment", "stem cell injections",
    ],
    "atrophic scar treatment (general)": [
        "atrophic scar treatment", "scar treatment", "scar treatments", "treatment in general",
        "general treatment", "overall treatment", "treatment overall", "general scar treatment",
    ],
}

# Chat shorthand people type ("hw much", "wat is", "ppl"): read as the words they stand for.
CHAT_SHORTHAND: dict[str, str] = {
    "hw": "how", "hwo": "how", "wat": "what", "wht": "what", "whats": "what's", "ppl": "people", "u": "you",
    "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks", "abt": "about", "w/": "with",
    "b4": "before", "bc": "because", "cuz": "because", "tho": "though", "wks": "weeks", "yrs": "years",
    "approx": "approximately", "govt": "government", "sesh": "session", "seshs": "sessions",
}

# the canonical name of a price table's "in general" row (any article's treatment in general)
GENERAL_PROCEDURE = "atrophic scar treatment (general)"

COUNTRIES: dict[str, list[str]] = {
    "South Korea": ["south korea", "korea", "korean", "seoul", "republic of korea", "rok", "s. korea", "s korea"],
    "USA": ["usa", "us", "u.s.", "u.s.a.", "united states", "united states of america", "america",
            "american", "the states", "states"],
    "UK": ["uk", "u.k.", "united kingdom", "britain", "great britain", "england", "british", "london"],
    "Australia": ["australia", "australian", "aussie", "sydney", "melbourne"],
    "Canada": ["canada", "canadian", "toronto", "vancouver"],
    "India": ["india", "indian", "delhi", "mumbai"],
    "Singapore": ["singapore", "singaporean"],
    "Thailand": ["thailand", "thai", "bangkok", "phuket"],
    "Turkey": ["turkey", "turkiye", "türkiye", "turkish", "istanbul"],
}

# Countries patients ask about that an article may not cover: naming one makes a price question
# unanswerable unless the corpus has it.
OTHER_COUNTRIES = [
    "japan", "china", "mexico", "germany", "france", "spain", "italy", "brazil", "colombia",
    "malaysia", "vietnam", "philippines", "indonesia", "taiwan", "hong kong", "dubai", "uae",
    "united arab emirates", "poland", "hungary", "czech republic", "costa rica", "israel", "iran",
    "russia", "ukraine", "egypt", "south africa", "nigeria", "pakistan", "new zealand", "ireland",
    "netherlands", "sweden", "switzerland", "greece", "portugal", "lithuania", "argentina", "peru",
    "tokyo", "bali", "busan", "jeju", "incheon", "daegu",
]

SCAR_TYPES: dict[str, list[str]] = {
    "icepick scars": ["icepick", "ice pick", "ice-pick", "icepick scar", "icepick scars", "ice pick scars"],
    "boxcar scars": ["boxcar", "box car", "box-car", "boxcar scar", "boxcar scars", "box scars"],
    "rolling scars": ["rolling", "rolling scar", "rolling scars", "wavy scars"],
}

FILLER_TYPES: dict[str, list[str]] = {
    "Hyaluronic Acid (HA) Fillers": ["hyaluronic acid", "ha filler", "ha fillers", "hyaluronic", "juvederm", "restylane"],
    "Calcium Hydroxylapatite (CaHa) Fillers": ["calcium hydroxylapatite", "caha", "radiesse"],
    "Polymethyl-Methacrylate (PMMA) Fillers": ["polymethyl-methacrylate", "polymethyl methacrylate", "pmma", "bellafill"],
    "Poly-L-Lactic Acid (PLLA) Fillers": ["poly-l-lactic acid", "poly l lactic acid", "plla", "sculptra"],
    "Autologous Fat Transfer": ["fat transfer", "autologous fat", "own fat", "fat grafting"],
}

# Conditions and procedures outside a typical atrophic-scar article; naming one that the corpus
# never mentions means the article cannot answer.
OTHER_TOPICS = [
    "keloid", "keloids", "hypertrophic", "stretch marks", "stretch mark", "tattoo", "tattoos", "melasma",
    "rosacea", "psoriasis", "eczema", "vitiligo", "wrinkles", "liposuction", "rhinoplasty", "facelift",
    "breast", "dental", "teeth", "lasik", "hair removal", "botulinum", "retinoid cream", "tretinoin",
    "isotretinoin", "accutane", "rf microneedling", "radiofrequency", "morpheus8", "cryotherapy",
    "steroid injection", "silicone gel", "ozempic", "pregnant", "pregnancy", "breastfeeding",
    "chemotherapy", "cancer", "weather", "temperature", "restaurant", "restaurants", "food", "shopping",
    "nightlife", "exchange rate", "currency", "time zone", "k-pop", "kpop", "subway", "sim card",
    "capital of", "capital city", "taxi", "taxis", "vaccination", "vaccinations", "vaccine", "tap water",
    "sightseeing", "tourist attractions", "souvenirs", "joke", "poem", "recipe",
]

# What kind of fact the question asks for → list-item labels and words that carry it in the article.
ATTRIBUTES: dict[str, dict[str, list[str]]] = {
    "cost": {
        "cues": ["cost", "costs", "price", "prices", "pricing", "how much is", "how much are", "how much does",
                 "how much do", "how much would", "how much will", "how much for", "how much money", "expensive", "cheap", "cheaper",
                 "cheapest", "afford", "affordable", "fee", "fees", "charge", "charges", "pay", "usd", "$",
                 "dollars", "budget", "spend", "priced", "money", "free", "for free", "free of charge", "set me back", "sets me back", "what would it take",
                 "how much would it be", "quote", "quoted", "ballpark", "price range", "cost range", "rates",
                 "how pricey", "pricey", "what would i pay", "what do i pay"],
        "labels": [],
    },
    "sessions": {
        "cues": ["how many sessions", "how many treatments", "how many times", "number of sessions",
                 "number of treatments", "sessions needed", "sessions do i need", "how often", "spaced",
                 "sessions are needed", "sessions are typical", "how many rounds", "course of"],
        "labels": ["Sessions"],
    },
    "recovery": {
        "cues": ["recovery", "recover", "downtime", "down time", "heal", "healing", "aftercare",
                 "after the treatment", "afterwards", "time off", "back to work", "redness last"],
        "labels": ["Recovery"],
    },
    "mechanism": {
        "cues": ["how does", "how do they", "how do these", "how do those", "how it works", "how they work",
                 "mechanism", "what does it do"],
        "labels": ["How It Works", "How They Work"],
    },
    "procedure": {
        "cues": ["what happens", "procedure", "steps", "how is it done", "how long does it take",
                 "how long does the", "minutes", "numb", "numbing", "done"],
        "labels": ["Procedure"],
    },
    "risks": {
        "cues": ["risk", "risks", "side effect", "side effects", "dangerous", "danger", "complication",
                 "complications", "safe", "safety", "downsides", "cons"],
        "labels": ["Recovery", "Benefits"],
    },
    "benefits": {"cues": ["benefit", "benefits", "pros", "advantage", "advantages", "why choose"],
                 "labels": ["Benefits"]},
    "effectiveness": {
        "cues": ["effective", "effectiveness", "results", "result", "improvement", "success", "outcome",
                 "outcomes", "satisfaction", "permanent", "last", "lasting"],
        "labels": ["Effectiveness"],
    },
    "types": {"cues": ["types", "type", "kinds", "kind", "brands", "options", "varieties"],
              "labels": ["Types"]},
    "preparation": {"cues": ["prepare", "preparation", "before treatment", "before the treatment", "stop taking"],
                    "labels": ["Preparation"]},
    "suitability": {"cues": ["best for", "suitable", "suitability", "good for", "candidate", "which scars"],
                    "labels": ["Suitability", "Effectiveness"]},
    "status": {"cues": ["experimental", "approved", "proven", "status", "research"],
               "labels": ["Current Status"]},
    "location": {"cues": ["where is", "where's", "located", "location", "address", "which city", "what city",
                          "neighborhood", "neighbourhood", "district", "area"],
                 "labels": []},
    "provider": {"cues": ["where can i get", "where can i have", "where to get", "where do i get", "who offers",
                          "who does", "who provides", "which clinic offers", "where is it offered",
                          "where can i find", "where can i do"],
                 "labels": []},
    "offerings": {"cues": ["offer", "offers", "provide", "provides", "techniques", "special techniques",
                           "features", "key features", "services", "specialize", "specialise", "known for",
                           "do they do", "treatments do"],
                  "labels": []},
}

# Facts an article like this rarely gives; asking for one about a named clinic/procedure is checked
# against the corpus before answering.
UNGIVEN_FACTS: dict[str, list[str]] = {
    "contact": ["phone", "phone number", "telephone", "email", "e-mail", "contact", "whatsapp", "website url",
                "url", "instagram", "kakao"],
    "hours": ["opening hours", "open on", "business hours", "office hours", "weekend", "sunday", "saturday",
              "closing time", "open late"],
    "people": ["doctor's name", "doctors name", "who is the doctor", "surgeon's name", "best doctor",
               "which doctor", "head doctor", "chief doctor", "lead surgeon", "staff names", "who runs",
               "who owns", "name of the doctor", "founder", "founded", "owner", "owned by", "who wrote", "author"],
    "travel prices": ["hotel", "hotels", "flight", "flights", "airline", "airfare", "visa fee", "visa cost",
                      "accommodation cost", "taxi", "train ticket"],
    "rating": ["rating", "ratings", "review score", "stars", "ranking", "ranked"],
    "hotels": ["best hotel", "which hotel", "hotel recommendation", "recommend a hotel", "where to stay",
               "cheapest hotel", "hotel near"],
    "insurance": ["insurance", "covered by", "reimburse", "medicare", "nhs"],
}

# Words that frame a question rather than name its subject ("how long", "what kind", "my cheeks",
# "I'm 34"): they never make a question about something the article does not cover. Data, one per line.
GENERIC_WORDS = frozenset(
    w.strip() for w in (Path(__file__).parent / "data" / "generic_words.txt").read_text("utf-8").splitlines()
    if w.strip() and not w.startswith("#"))
