"""Parse a message once into a typed ``Query``: what it is about, what it asks, how, and what the
corpus cannot bind.

The ``Analyzer`` (``nlp.py``) finds entities and asked attributes; this module adds what the
answer strategies and the verifier need and would otherwise each re-derive: the operation
(lookup, list, compare, superlative, compute, explain, yes/no, locate, recommend), constraints
(a budget, scar types inferred from a lay description), figures stated in the question (a
premise to check), and the salient words that nothing in the corpus binds ("botox" in an
article that never prices it is bound to the corpus; "keloid" in an article that never says
it is not).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from scarbot import lexicon
from scarbot.nlp import COMPARE_WORDS, STOPWORDS, Analyzer, Frame, content_words, edit_distance, stem, words
from scarbot.text import spelled_numbers

_WHY = re.compile(r"^\s*(?:so\s+|but\s+|and\s+|first,?\s+)?(why|how come|what (?:\w+ly\s+)?(?:causes|affects|influences|"
                  r"determines|drives|factors|makes))\b")
_WHY_EFFECT = re.compile(r"\b(?:helps?|works?|improves?|effective|treats?|fix(?:es)?|reduces?|smooths?|lifts?|"
                         r"good|better|makes?\s+(?:\w+\s+)?(?:better|smoother|flatter))\b")
_WHY_ANYWHERE = re.compile(r"\b(?:why|how come|what(?:'s| is) the reason|for what reason)\b")
_YESNO = re.compile(r"^\s*(?:so\s+|but\s+|and\s+)?(is|are|does|do|can|could|will|would|should|has|have|did|was|"
                    r"were)\b(?!\s+you\s+(?:please\s+)?(?:tell|explain|give|list|show|describe|walk|run|break|share|"
                    r"summari[sz]e|outline)\b)")  # "could you explain X?" asks for X, not for a yes
_RECOMMEND = re.compile(r"\b(recommend\w*|suggest\w*|(?:treatment|procedure|option|therap(?:y|ies))s?\s+(?:works?|helps?|"
                        r"is best|are best|would)|best (?:treatment|option|procedure|bet|choice|pick)s?|the go[- ]to|"
                        r"what (?:works|helps|"
                        r"would help|can help|could help|can i do|should i do|are my options)|(?:which|what) (?:treatment|"
                        r"procedure|option|one|therapy)s?|what (?:would|could|might|will) (?:fit|work|suit)|treatments? (?:for|that|which|work)|options? for|"
                        r"how (?:do|can|should) (?:i|you|we) (?:treat|fix|get rid|improve|fill)|"
                        r"what (?:should|could|can|would|do) (?:i|we|you) (?:get|have|try|go for|go with|book|pick|choose|"
                        r"ask (?:(?:the|my|a|your)\s+)?(?:(?:doctor|dermatologist|surgeon|clinic|them|him|her)\s+)?for|"
                        r"look (?:into|at|for))(?: done)?\W*$|"
                        r"(?:procedure|treatment|option)s?\s+(?:for|to fix|to treat)\s+(?:those|these|them|this|that|mine|such)\b|"
                        r"(?:treat|treats|fix|fixes|improve|improves|heal|heals|get rid of|gets rid of|deals? with|handles?|tackles?|"
                        r"targets?|works? on)\b|suits?|suited|suitable|good for|best for|work best)\b")
_HOW_IT_WORKS = re.compile(r"\W*(?:so\s+|and\s+|but\s+)?how\s+(?:do|does|did|would|will|can|could)\s+(?!i\b|you\b|we\b)"
                           r"[\w\s'-]{1,40}?\bwork\b")  # "how does X work on deep marks?": how, not which
_ARRIVAL = re.compile(r"\b(?:land|landing|lands|arrive|arriving|arrives|fly|flying|flies|transfers?|"
                      r"pick(?:s|ed)?\s+(?:me|us|them|him|her)\s+up|picked up|pick-?up)\s+(?:at|in|into|from)\s+PLACE\b")
# a place of arrival ("land at X", "pick me up at X")
_COURSE = re.compile(r"\b((?:full|whole|entire|complete)(?=\s+(?:[\w-]+\s+){0,2}?(?:course|courses|treatment|treatments|"
                     r"program|programme|package|set|plan|series|cycle|thing|lot|procedure|process)\b)|"
                     r"total(?!\s+budget)|overall|all (?:the |of the )?(?:sessions|treatments)|"
                     r"course|in total|altogether|all together|all in|"
                     r"(?:usual|typical|normal|recommended|standard|average)\s+(?:number|no\.?|amount)\s+of\s+(?:[\w-]+\s+)?sessions)\b")
_PLUS = re.compile(r"\b(plus|together|combined|combine|combo|both|as well as|along with|and also)\b|\+"
                   r"|\badd(?:ed|ing|s)?\b.{2,60}?\b(?:to|on top of)\b")  # "add a peel to that laser session"
_SUMMED = re.compile(r"\b(?:adds?|added|adding) up\b|\b(?:comes?|came) to\b|\btotal\b|\bsum\b|\baltogether\b|\bin all\b")
_CHECK_TAG = re.compile(r"\s*(?:(?:does|do)\s+(?:that|this|it)\s+)?(?:sounds?\s+(?:about\s+)?(?:right|correct|ok|okay)|"
                        r"(?:is\s+)?(?:that|this|it)\s+(?:right|true|correct|accurate)|true|correct|right|accurate|"
                        r"am\s+i\s+right|is\s+(?:she|he|they)\s+right|(?:was|were)\s+(?:she|he|they)\s+right|"
                        r"(?:is|was)\s+(?:that|this)\s+(?:an?\s+)?\w+(?:\s+thing)?)\s*[?!.]*\s*$")  # "Is that unusual?"
_PLAN = re.compile(r"\b(?:so|then|and then|meaning|which means)\s+(?:that\s+)?(?:i|we|you)\b")
_TRAVEL_NOUNS = {cue.split()[0] for cue in lexicon.UNGIVEN_FACTS.get("travel prices", ())}  # visa, flight, hotel ...
_HOW_MUCH_MORE = re.compile(r"\bhow much\b(?:\s+[\w/()-]+){0,5}?\s+(?:cheaper|less|more expensive|lower|higher|pricier|"
                            r"dearer)\b|\bhow much more\b(?=.*\bthan\b)|\b(?:gap|gaps)\b")
_WHICH_OR = re.compile(r"\b(?:which|what|who)\b.{0,80}\b(?:or|vs\.?|versus)\b|\b(?:or|vs\.?|versus)\b.{0,60}\bwhich\b")
_UNIT_WORDS = {"session", "sessions", "single", "treatment", "round", "visit", "one", "typical", "usual"}
_COUNTRY_WORDS = "|".join(sorted({re.escape(a) for c, names in lexicon.COUNTRIES.items() for a in [c.lower(), *names]
                                   if " " not in a}, key=len, reverse=True))
_SESSION_END = re.compile(
    r"\b(?:(?P<min>minimum|min|fewest|least|lowest|smallest)|maximum|max|most|greatest|highest|largest|longest)\s+"
    r"(?:possible\s+)?(?:number\s+of\s+|no\.?\s+of\s+|amount\s+of\s+)?(?:\w+\s+)?(?:sessions|treatments|course|times|rounds)\b"
    r"|\bworst[- ]case\b|(?P<best>\bbest[- ]case\b)")
_PRICE_END = re.compile(
    r"\b(?!on\s+top\b(?!\s+(?:end|price|prices|rate|figure|cost|of\s+the\s+range)))"  # "a peel on top": added, no price end
    r"(?:at|on|with|for|of)\s+(?:the\s+)?(?:(?P<min>bottom|lowest|cheapest|lower|low(?=\s+end)|min(?:imum)?)|top|highest|"
    r"upper|high(?=\s+end)|max(?:imum)?|most expensive|dearest)(?:\s+end)?"
    r"(?!\s+(?:possible\s+)?(?:number|no\.?|amount|sessions?|treatments?|course)\b)"  # "for the maximum number of sessions"
    r"(?:\s+(?:of\s+the\s+range|price|prices|rate|figure|cost))?\b"
    rf"|\b(?:{_COUNTRY_WORDS})(?:'s)?\s+(?:(?P<min3>cheapest|lowest|bottom)|most expensive|highest|top)\s+(?:price|rate|figure|end)\b"
    r"|\bthe\s+(?:(?P<min2>cheapest|lowest|bottom)|most expensive|highest|top)\s+(?:[\w-]+\s+){0,2}?"
    rf"(?:{_COUNTRY_WORDS})\s+(?:[\w-]+\s+){{0,2}}?(?:price|rate|figure)\b"  # "the cheapest Korean price"
    r"|\b(?:those|these|their|both|its)\s+(?:(?P<min4>min(?:imum)?|lowest|bottom)|max(?:imum)?|highest|top)\s+(?:prices?|rates?|figures?)\b"
    r"|\b(?:(?P<min5>min(?:imum)?|lowest|bottom)|max(?:imum)?|highest|top)\s+(?:price\s+)?per\s+session\b"
    r"|^\s*(?:what'?s\s+)?(?:the\s+)?(?:(?P<min6>min(?:imum)?|bottom)|max(?:imum)?|top)\s+(?:price|rate|figure)\b"
    r"|\bthe\s+(?:(?P<min7>min(?:imum)?)|max(?:imum)?)\s+(?:possible\s+)?(?:cost|price|bill|spend)\s+(?:of|for)\b"
    r"|\b(?:(?P<min8>bottom|low|lower|lowest)|top|high|higher|upper)\s+(?:end\s+)?of\s+(?:each|both|the|their|its)\s+ranges?\b"
    r"|\b(?:comparing|compare|compared|by|using|between)\s+(?:the\s+)?(?:(?P<min9>bottom|low|lower)|top|high|higher|upper)\s+ends\b"
    rf"|\b(?:{_COUNTRY_WORDS})\s+(?:(?P<min10>min(?:imum)?)|max(?:imum)?)\b(?!\s+(?:end|of|and|or|to)\b)"  # "aussie max"
    r"|\bthe\s+(?:(?P<min11>bottom|minimum)|top|maximum)\s+(?:[\w-]+\s+){1,2}?(?:price|rate|figure)\b")  # "the top subcision price"
# "Canada's lowest than Korea's lowest": a country's own end, written with the possessive (read on the text itself)
_COUNTRY_END = re.compile(rf"\b(?:{_COUNTRY_WORDS})['’]s\s+(?:(?P<min>cheapest|lowest|bottom)|highest|top|dearest)\b"
                          r"(?!\s+(?:and|or|to|vs)\b)")
# ("at those max prices", "the max per session", "top price for subcision?")
_BOTH_ENDS = re.compile(r"\b(?:low|lower|bottom|lowest|min|minimum|cheapest)\b(?:\s+end)?\s+(?:and|&|to|or)\s+(?:the\s+)?"
                        r"(?:high|higher|top|highest|max|maximum|priciest|most expensive|dearest)\b|\bboth ends\b")  # the whole range


_SIDES = re.compile(r"\b(?:vs\.?|versus|than|compared (?:with|to)|against)\b")
_BARE_END = re.compile(r"\b(?:(?P<min>lowest|cheapest|bottom|minimum)|highest|top|maximum|dearest)\b(?:\s+(?:end|price|rate|figure))?")
_MIDPOINT = re.compile(r"\b(?:mid-?point|middle|half-?way|mid-?range)\b")
_LOW_WORD, _HIGH_WORD = r"(?:cheapest|lowest|bottom|min\w*|low|least)", r"(?:most expensive|priciest|dearest|highest|top|max\w*|high)"
_SPREAD = re.compile(rf"\b(?:gap|difference|spread|span|distance)\b.{{0,40}}?\b(?:{_LOW_WORD}\b.{{0,40}}?\b{_HIGH_WORD}|"
                     rf"{_HIGH_WORD}\b.{{0,40}}?\b{_LOW_WORD})\b|\bhow (?:wide|big|large) is the (?:price )?range\b")
_CHAT = frozenset({"pls", "plz", "thx", "btw", "lol", "omg", "ok", "idk", "tbh", "imo", "fyi", "asap", "yep", "nah",
                   "hmm", "ugh", "wow", "yay", "hey", "bye", "etc", "abt", "tho", "bc", "cuz", "ppl"})
_EMBEDDED_Q = re.compile(r"\b(?:asking|asks?|asked|know|knowing|wondering|wonder|curious|enquiring|inquiring)\s+(?:about\s+)?"
                         r"((?:how|what|which|where|when|why|whether|if)\b[^.?!]{6,})", re.I)
_KEYWORD_ASK = re.compile(r"%|\b(?:duration|price|prices|cost|costs|percentage|percent|share|number)\s*\??\s*$")
_NOT_A_PRICE_Q = re.compile(r"^\s*(?:how (?:long|many|often|soon|far|common)|when|where|who|why|(?:is|are) (?:it|that|this|"
                            r"they|these)\s+(?:\w+\s+)?(?:normal|common|usual|typical|rare|unusual))\b")  # "how long is the visa valid?"


def _one_end(pattern: re.Pattern, low: str, also_min: str = "") -> str | None:
    """"min" or "max" when the message asks for one end of a range only (both ends asked: the whole range)."""
    ends = {"min" if m.group("min") or (also_min and m.group(also_min))
            or any(g in pattern.groupindex and m.group(g) for g in ("min2", "min3", "min4", "min5", "min6", "min7", "min8", "min9", "min10", "min11")) else "max"
            for m in pattern.finditer(low)}
    return ends.pop() if len(ends) == 1 else None


_TOTAL_END = re.compile(r"\b(?:(?P<min>cheapest|lowest|least expensive|smallest|minimum)|most expensive|highest|priciest|"
                        r"dearest|biggest|maximum)\s+(?:possible\s+)?(?:total|overall|course|bill)\b")
_HOME_ASKED = re.compile(r"\b(?:home|here|my country|where i live|vs\.?|versus|compared?|than|instead|both|save|saving|"
                         r"savings|cheaper|pricier|difference|gap|worth)\b")
_COUNT_RANGE = re.compile(r"\b(\d+)\s*(?:-|–|to)\s*(\d+)\s+(?:\w+\s+)?(?:sessions|treatments|rounds)\b")
_PRICE_WORDS = re.compile(r"\b(?:range|price|prices|total|totals|cost|costs|come to|would be)\b")
_LEFT_OVER = re.compile(r"\b(?:left|left over|leftover|remain|remaining|spare|to spare)\b"
                        r"|\b(?:fit|fits|within|over|under|exceed|exceeds|stretch|blow)\b[\w\s$,.']{0,30}\bbudget\b"
                        r"|\bbudget\b[\w\s$,.']{0,30}\b(?:how far|how much) (?:over|under)\b"  # "over my budget"
                        r"|\b(?:could|can|would|will) (?:i|we) (?:still )?afford\b")  # "could I afford 6 at the top price?"
_PAID_SHARE = re.compile(r"\b(?:deposit|down ?payment|upfront|up front|in advance|advance payment)\b")
_ONE_SESSION = re.compile(r"\b(?:one|a single|1|a)\s+(?:\w+\s+){0,2}?(?:session|treatment)\b")
# "peels are done in a single visit?": a statement asked as a question (a verb in it, no question word first)
_DECLARATIVE_Q = re.compile(r"^\s*(?:(?:and|so|but|oh|ok|okay)[,\s]+)?(?!.*\b(?:what|what's|whats|how|which|where|who|when|why)\b)"
                            r"(?=.*\b(?:is|are|needs?|"
                            r"takes?|costs?(?!\s+(?:in|for|of|at|there|here|back)\b|\s*\?)|lasts?|has|have|works?|requires?|"
                            r"gives?|offers?|does|do)\b)[^?]{8,}\?\s*$")  # "the peel cost in India?": a noun
_TAG_QUESTION = re.compile(r"(?:,|\s)\s*(?:right|correct|true|yes|no|isn'?t (?:it|that)|aren'?t they|is that (?:right|"
                           r"correct|true)|am i right|yeah)\s*\?\s*$"
                           r"|\b(?:is|are|was|were)\s+[\w' -]{3,60}?,?\s+(?:right|correct|isn'?t (?:it|that)|aren'?t they)\s*$")
_WHATS_IN_EACH = re.compile(r"^\W*(?:and\s+)?(?:what(?:'s| is| are)|how about)\b.*\bin (?:each|both|either|them|those|"
                            r"these|there|each of them|both of them)\b")
_HOME_POINTED = re.compile(r"\b(?:there|home|my country|where i live|locally|local)\b")  # "I'm from X. Laser there?"
# a claim someone made, put to the article: "She said X. What did she get right?", "...and that X" (one more)
REPORTED = re.compile(r"\b(?:said|says|told me|tells me|claims?|claimed|reckons?|insists?|swears?)\b(?:\s+that)?"
                       r"(?:\s+[\w'-]+){3}")  # what was said: a clause, not "... the article says, right"

_CLAIM_CHECKED = re.compile(r"\b(?:get|got|gets)\s+(?:\w+\s+)?(?:right|wrong)\b|\b(?:true|correct|accurate|right)\s*(?:\?|$)"
                            r"|\bis (?:she|he|they|that) (?:right|correct)\b")
_MORE_CLAIMS = re.compile(r"^\s*(?:and|also|plus)\s+(?:she said |he said |they said )?that\s+(?!.*\b(?:what|how|which|where|"
                          r"who|when|why)\b).*\b(?:is|are|was|were|can|will|does|do|has|have|needs?|lasts?)\b")
_LIVES_IN = re.compile(r"\b(?:i'?m|i am|we'?re|we are|i|we)\s+(?:(?:from|in|based in|living in|live in|staying in)\s+"
                       r"|(?:an?\s+)?)(?:the\s+)?$|\b(?:i|we) live in (?:the )?$"
                       r"|\b(?:hello|hi|hey|greetings|writing|calling|booking|flying|coming|travel+ing)\s+from\s+(?:the\s+)?$"
                       r"|^\s*from\s+(?:the\s+)?$"
                       r"|\b(?:i'?m|i am|we'?re|we are)\s+(?:[\w']+\s+){1,3}?from\s+(?:the\s+)?$"  # "I'm 29, from Leeds"
                       r"|\b(?:i|we)\s+(?:work|study|teach)(?:\s+[a-z]+){0,3}?\s+in\s+(?:the\s+)?$"  # "I work in finance in X"
                       r"|\b(?:i|we)\s+(?:have|hold|carry|have got|'ve got)\s+(?:an?\s+)?$")  # "I have a US passport"
def _only_as_home(country: str, low: str) -> bool:
    """Whether every mention of the country says it is where the user lives ("I am from Vietnam")."""
    found = [m.start() for m in re.finditer(rf"\b{re.escape(country)}\b", low)]
    return bool(found) and all(_LIVES_IN.search(low[max(0, i - 30): i]) for i in found)


_ORIGIN = re.compile(r"\b(?:from|based in|living in|(?:i|we) live in|(?:i'?m|i am|we'?re|we are) in|here in|"
                     r"writing in|calling in|(?:i|we) (?:work|study|teach)(?:\s+[a-z]+){0,3}? in)\s+"
                     r"((?:[A-Z][a-z]+)(?:\s[A-Z][a-z]+)?)\b")
_TAKES_TO = re.compile(r"\btakes?\s+(?:\w+\s+)?to\s+(?!get\s+(?:it|them)\s+done)\w+\s+(?:a|an|the|my|your|our)?\s*\w+")
_NEGATED = re.compile(r"\b(?:no|not|without|never|nor|isn't|aren't|don't have|doesn't have|none of the)\s+"
                      r"(?:(?:very|really|any|so|too|the)\s+)?[a-z-]+(?:\s+(?:edges?|walls?|sides?|bottoms?|bases?|borders?))?")
_AVERAGE = re.compile(r"\b(?:average|avg|mean)\b(?:\s+[\w-]+){0,2}?\s+(?:price|cost|rate|figure|fee)s?\b"
                      r"|\b(?:at|on|by)\s+(?:the\s+)?(?:average|avg)\b")
_SAVE = re.compile(r"\b(save|saving|savings|cheaper by|difference|differ|minus)\b|\bhow much (?:\w+ ){0,2}saved\b")
_THOUSANDS = re.compile(r"(\$\s?)?\b(\d+(?:\.\d+)?)\s?k\b(?!\s*(?:m|km)\b)")


def _thousands(lowered: str) -> str:
    """"$10k", "5k budget" → "$10,000", "$5,000 budget": money written in thousands."""
    return _THOUSANDS.sub(lambda m: f"${float(m.group(2)) * 1000:,.0f}", lowered)


def without_exclusions(text: str) -> str:
    """The message without its "apart from X" phrase (what is set aside is no search term)."""
    return re.sub(r"\s+", " ", _EXCEPT.sub(" ", text.lower())).strip(" ,")


_EXCEPT = re.compile(r"\b(?:besides|other than|apart from|except|excluding|aside from|outside(?: of)?)\s+"
                     r"(?:the\s+)?([a-z .]+?)(?=[,?.!]|\s+(?:have|has|give|list|offer|do|does|where|that|is|are|was|"
                     r"were|can|could|would|will|should|might|may|causes?|leads?|helps?|works?|treats?|costs?|makes?|"
                     r"gives?|suits?|needs?)\b|$)")
_ASIDE = re.compile(r"\b(?:leaving|putting|setting|leave|put|set)\s+(?:the\s+)?((?:[a-z-]+\s+){0,2}?[a-z-]+)\s+aside\b"
                    r"|\bnot\s+counting\s+(?:the\s+)?((?:[a-z-]+\s+){0,2}?[a-z-]+)(?=[,?.!]|$)"
                    # "ok forget laser. ...", "never mind the peels,": dropped from what is asked
                    r"|\b(?:forget|forget about|never ?mind|scrap|skip|drop)\s+(?:the\s+)?((?:[a-z-]+\s+){0,2}?[a-z-]+)"
                    r"(?=\s*[,.;!—–-]|\s+(?:then|now|for now)\b)")
_LIST = re.compile(r"^\s*(?:which|what)\s+(?:\w+\s+){0,2}(?:countries|clinics|treatments|procedures|types|brands|"
                   r"options|scars)\b|\b(?:list|name|all the|every)\b")
_LOCATE = re.compile(r"\bwhere\b|\blocat\w*|\baddress\b|\bwhich (?:city|area|district|neighbou?rhood)\b")
_HOW_MANY_FOR = re.compile(r"\bhow many\b(?:\s+[\w-]+){0,3}?\s+(?:sessions?|treatments?|rounds?|visits?|times|of (?:them|those))\b"
                           r".{0,60}?\b(?:afford|pay for|buy|get|cover|fit|budget|with\s+\$|for\s+\$)"
                           r"|\bhow many\b.{0,40}?\b(?:afford|budget)\b")
_HOW_MANY_SESSIONS = re.compile(r"\bhow many\b(?:\s+[\w-]+){0,3}?\s+(?:sessions?|treatments?|rounds?|visits?)\b")
_NEEDED = re.compile(r"\b(?:need|needed|needs|require|required|requires|recommend\w*|usually|typically|normally|take|"
                     r"takes|best results|do people|does it)\b")
_BUDGET = re.compile(r"(?:budget|afford|spend|only have|have about|have around|under|below|less than|max(?:imum)?|"
                     r"\bi have|\bi've got)\D{0,20}\$?\s?(\d[\d,]*)|\$\s?(\d[\d,]*)\s+(?:usd\s+)?(?:to spend|in total|total)"
                     r"|\b(?:has|have|got)\s+(?:about\s+|around\s+|only\s+|roughly\s+)?(?:\$\s?(\d[\d,]*)|(\d[\d,]*)\s*"
                     r"(?:usd|us dollars|dollars)\b)")
_PLANNED = re.compile(r"(?<![\w$.,])(\d+|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:[a-z-]+\s+){0,3}?"
                      r"(?:sessions?|treatments?|rounds?|visits?)\b")
_DO_N = re.compile(r"\b(?:do|did|have|had|get|got|book|booked|need|needed|take|took)\s+(\d+|two|three|four|five|six|"
                   r"seven|eight|nine|ten|twelve)\b(?!\s*(?:%|percent|\$|dollars|usd|days?|weeks?|months?|years?|"
                   r"hours?|minutes?|scars?))")
_TIMES_N = re.compile(r"(?<![\w$.,])[x×]\s?(\d{1,2})\b|(?<![\w$.,])(\d{1,2})\s?[x×](?!\w)"  # "x5?", "4x at the top"
                      r"|^\s*(?:and\s+|so\s+)?times\s+(\d{1,2})\b")  # "times 2?"
# "and 4 in India at the top rate", "3 at the lowest?": a bare count where a price or a place follows
_N_AT = re.compile(r"(?<![\w$.,%])(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:more\s+)?"
                   r"(?:in|at|back|here|there)\b(?!\s+(?:a|the)\s+(?:time|row|once)\b)")
_NAMES_NUMBER = re.compile(r"\b(?:client|customer|patient|pt|ticket|case|no|number|option|step|room|group|day|week|"
                           r"month|year|page|item|question|q|part|grade|type|stage|level|age|aged)\.?\s*#?\s*$")  # "client 7 in India"
_POSSESSED = re.compile(r"\b(?:my|our|his|her|their)\s+([a-z]+)(?:\s+([a-z]+))?")
MAX_ABSENT_CHECKED = 6  # words of one message looked up against the article's vocabulary (bounds the cost)
_GREETING = re.compile(r"\s*[a-z']+(?:\s+[a-z']+)?\s*[,!]")  # an opening word or two before a comma: a greeting
_IDENTIFY = re.compile(r"\b(?:what|which)\s+(?:(?:acne\s+)?scar\s+)?(?:type|kind|sort)s?\b|\bwhat\s+(?:are|is|'s)\s+(?:they|these|this|it|that|"
                       r"those|mine)\b|\bcalled\b|\bwhat do you call\b")
_CLAUSE = re.compile(r"[,;:.!?]|\band\b|\bbut\b|\bplus\b")
_ALL_TYPES = re.compile(r"\b(?:all|each of the|every one of the)\s+(?:three\s+|3\s+|the\s+|of\s+the\s+)?(?:types|kinds|sorts)"
                        r"(?!\s+of\s+(?!(?:acne\s+|atrophic\s+)?scar)\w)")
_KIND_OF_SCARS = re.compile(r"\b(?:kind|kinds|type|types|sort|sorts)\s+of\s+(?:acne\s+)?scars?\b")
_PERCENT = re.compile(r"(?<![\d.][-–])(?<![\d.]\s[-–]\s)(?<!\d%[-–])(\b\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)")
_AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)|(?<![\w.])(\d[\d,]*)\s*(?:usd|dollars?|bucks)\b"
                     r"|\b(?:on|of)\s+(?:that|this|the|a|my)\s+(\d{1,3}(?:,\d{3})+|\d{3,6})(?![\w%,.])")  # "10% of that 2172"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# where a story gives way to the question: a sentence end, a dash or semicolon, ", but how ..."
# a treatment described instead of named: "the one where ...", "that treatment that ...", "the procedure with ..."
_DESCRIBES = re.compile(r"\b(?:the|that|this)\s+(?:one|treatment|procedure|thing|kind|option|method)\s+(?:where|that|which|"
                        r"with|when|they)\b|\bwhere they\b")
_STORY_BREAK = re.compile(r"(?<=[.!?])\s+|\s+[—–]\s+|\s+-\s+|;\s+|(?:,\s+(?:but|so)|:)\s+(?=(?:what|how|which|where|who|"
                          r"when|why|is|are|does|do|can|could|will|would|should)\b)")  # "Sorting out my holiday: how ...?"
_TOPIC_LEAD = re.compile(r"\s*([^.!?;:,—–]+?)(?:\s+[—–-]|\s*:)\s+")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|me|my|we|our|us|mine)\b")
_ASKS = re.compile(r"\s*(what|what's|whats|how|which|where|why|when|who|is|are|does|do|can|could|will|would|should)"
                   r"\b")


def _asks_anything(text: str) -> bool:
    """Whether any sentence of a message asks (a "?", a question word first, or a request to tell or help);
    "they're wide with flat bottoms" only describes."""
    return any(x.rstrip().endswith("?") or _ASKS.match(x.lower()) or _REQUEST.search(x.lower())
               for x in _SENTENCE.split(text) if x.strip())


_REQUEST = re.compile(r"\b(?:tell|explain|list|show|give|help|recommend|suggest|need|want|looking for|wondering|"
                      r"any (?:idea|advice|tips)|asks?|asking|asked|would like to know|whether)\b")
_NUMBER_WORDS = {"one": 1, "single": 1, "once": 1, "two": 2, "twice": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20}
_NUMBER = re.compile(r"(?<![\w$])(\d+(?:\.\d+)?)(?!\s*%)(?![\d,])")

# Derivational endings that keep a word's meaning close enough to bind it ("redness" ↔ "red").
_SUFFIXES = ("ness", "ity", "ation", "ion", "ment", "ful", "ing", "ed", "er", "est", "ly", "al", "ive", "s", "es",
             "y", "ies", "ance", "ence", "able", "ible")


_Y_ROOT_ENDINGS = {"y", "ied", "ies", "ying", "action", "actory", "ication", "ial", "iable", "ier", "iest"}


# British spellings as American ones: "recognise" binds "recognize", "colour" binds "color"
_BRITISH = [(re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"), (re.compile(r"(?<=\w{2})our$"), "or"),
            (re.compile(r"(?<=\w{3})tre(s?)$"), r"ter\1"), (re.compile(r"^(an|h)ae"), r"\1e"), (re.compile(r"^oe"), "e")]


def _american(w: str) -> str:
    for rx, to in _BRITISH:
        w = rx.sub(to, w)
    return w


def _described_by(own: set[str], stems: set[str], said: list[str]) -> set[str]:
    """The words of a type's own description that a clause says: "box-shaped" is the "shapes" of a description,
    "wide" its "wider"; one near word alone tells no type."""
    found = {o for o in own if o in stems or any(related(w, o) for w in said)}
    return found if found & stems or len(found) >= 2 else set()


@functools.lru_cache(maxsize=65536)
def related(a: str, b: str) -> bool:
    """Two words are one word for binding: same light stem, or one is the other plus a derivational ending."""
    if a == b or stem(a) == stem(b):
        return True
    if len(a) >= 5 and len(b) >= 5 and (_american(a) == b or a == _american(b)):
        return True
    short, long_ = sorted((a, b), key=len)
    for w, other in ((a, b), (b, a)):  # "satisfied"/"satisfaction", "identify"/"identification": the -y root
        root = w[:-3] if w.endswith(("ied", "ies")) else w[:-1] if w.endswith("y") else ""
        if len(root) >= 4 and other.startswith(root) and other[len(root):] in _Y_ROOT_ENDINGS:
            return True
    if len(short) < 3 or not long_.startswith(short[: max(3, len(short) - 1)]):
        return False
    rest = long_[len(short):]
    return rest in _SUFFIXES or (short.endswith("e") and long_[len(short) - 1:] in _SUFFIXES)


@dataclass
class Query(Frame):
    """A ``Frame`` plus everything the strategies ask of a message, computed once."""

    operation: str = "lookup"  # lookup | list | compare | superlative | compute | explain | yesno | locate | recommend | identify
    why: bool = False
    yesno: bool = False
    recommend: bool = False
    identify: bool = False  # "what are these called?" about scars the user describes
    leftover: bool = False  # "how much of my budget is left?"
    affordable: bool = False  # "how many sessions could I pay for with $1,500?": a budget divided by a price
    paid_share: bool = False  # a part paid first: a deposit, a down payment, "upfront"
    asking_cost: bool = True  # the asking sentences ask a price (a budget in the story around them does not)
    describes: bool = False  # nothing asked: a statement only ("mine are wide with flat bottoms")
    course: bool = False  # a whole course of treatment: sessions × per-session price
    plus: bool = False  # several procedures added together
    saving: bool = False
    excluded_countries: list[str] = field(default_factory=list)
    other_asked: bool = False  # the asking sentence names only countries the article does not cover
    asked_entities: list[str] = field(default_factory=list)  # those the asking sentence names (a story may name more)
    excluded_words: list[str] = field(default_factory=list)  # "apart from acne, what else ...": not the topic
    home_countries: list[str] = field(default_factory=list)  # named only as where the user lives ("I'm from Leeds")
    excluded_entities: list[str] = field(default_factory=list)  # "apart from fillers, ...": not the answer either
    inferred_scar_types: list[str] = field(default_factory=list)  # from a lay description of the scars
    inferred_procedure: str = ""  # a treatment described, not named ("the one with the tiny needles")
    described_types: list[str] = field(default_factory=list)  # every type the description fits, named ones too
    budget: float | None = None
    session_end: str | None = None  # "the minimum number of sessions" → "min"; "worst case" → "max"
    price_end: str | None = None  # "at the top price" → "max"; "at the cheapest rate" → "min"
    country_ends: dict[str, str] = field(default_factory=dict)  # "India's top price vs Korea's lowest": each its own end
    at_average: bool = False  # "at the average price": a cell's own "avg." figures
    range_math: str | None = None  # "the midpoint of the range" → "mid"; "gap between cheapest and dearest" → "spread"
    entity_counts: dict[str, int] = field(default_factory=dict)  # "6 X sessions plus one Y": each one's own number
    count_low: int | None = None  # "4 to 6 sessions": the fewest (``count`` holds the most)
    count: int | None = None  # sessions the user plans ("if I do 4 sessions"): multiplies a per-session price
    percent: float | None = None  # a share the question states ("a 10% deposit")
    amounts: list[float] = field(default_factory=list)  # dollar amounts the question states ("quoted $2,000")
    absent: list[str] = field(default_factory=list)  # unbound words with no article word near them ("alcohol")
    near: dict[str, str] = field(default_factory=dict)  # unbound words → the article word they paraphrase ("trip": "travel")
    framing: list[str] = field(default_factory=list)  # unbound words among the commonest English ones ("often")
    plain: list[str] = field(default_factory=list)  # salient words among the commonest English ones ("product")
    asking: str = ""  # the sentences that ask, when the message also tells something ("I'm from Leeds. ...")
    asking_tokens: list[str] = field(default_factory=list)  # their tokens, everyday words put as the article says them
    numbers: list[float] = field(default_factory=list)  # figures the question states (premises to check)
    salient: list[str] = field(default_factory=list)  # content words that are not scaffolding or entity names
    unbound: list[str] = field(default_factory=list)  # salient English words nothing in the corpus binds
    anchors: list[str] = field(default_factory=list)  # content words the corpus does bind (entity words too)

    @property
    def entities(self) -> list[str]:
        return [*self.procedures, *self.clinics, *self.scar_types, *self.filler_types]

    @property
    def all_scar_types(self) -> list[str]:
        return list(dict.fromkeys([*self.scar_types, *self.inferred_scar_types]))


class QueryParser:
    """Builds ``Query`` objects against one corpus: its vocabulary and its scar-type descriptions."""

    def __init__(self, analyzer: Analyzer, scar_profiles: dict[str, set[str]] | None = None,
                 background: set[str] | None = None, neighbours=None, treatment_stems=None, treatment_profiles=None,
                 treatment_own=None):
        self.analyzer = analyzer
        # () -> the stems the corpus uses of its treatments ("shallow": what peels are best for), on first use
        self._treatment_stems = treatment_stems
        self._treatment_profiles = treatment_profiles  # () -> {treatment: the words only its own sections use}
        self._treatment_own = treatment_own  # (treatment) -> the words only its own sentences in the whole article use
        self._shared_stems: set[str] | None = None  # stems several treatments' sections use (shared_treatment_stems)
        self.neighbours = neighbours  # WordNeighbours: tells a paraphrase from a topic the article never touches
        self._by_start: dict[str, list[str]] | None = None  # known words by their first two letters (typo check)
        self._typo_cache: dict[str, bool] = {}
        self._typo_checks = 0
        self.scar_profiles = scar_profiles or {}
        # the corpus's own subject (its title words) and words any scar description uses: they tell no type apart
        self.background = {stem(w) for w in (background or set())} | {"scar", "acne", "skin", "look", "like"}
        self.vocab = {w for w in analyzer.corpus_words if w.isalpha()}
        self.vocab_stems = {stem(w) for w in self.vocab}
        self.vocab_prefix: dict[str, list[str]] = {}
        for v in self.vocab:
            self.vocab_prefix.setdefault(v[:3], []).append(v)
        alias_words: set[str] = set()
        for key, _kind, _canonical in analyzer._aliases:
            alias_words.update(key.split())
        for table in (lexicon.PROCEDURES, lexicon.COUNTRIES):
            for name, aliases in table.items():
                for a in (name, *aliases):
                    alias_words.update(words(a))
        self.alias_words = alias_words
        # one-word cues only: "which scars" makes neither "which" nor "scars" a framing word
        self.cue_words = {c for spec in lexicon.ATTRIBUTES.values() for c in spec["cues"] if " " not in c}
        self.generic = set(lexicon.GENERIC_WORDS) | self.cue_words
        # the words only one scar type's description uses ("wavy" → rolling, "pores" → icepick)
        names = {stem(w) for n in self.scar_profiles for w in words(n)}
        self.distinctive = {
            name: {w for w in prof - self.background - names
                   if w.isalpha() and len(w) >= 4 and w not in STOPWORDS and w not in self.generic
                   and not any(w in other for n2, other in self.scar_profiles.items() if n2 != name)}
            for name, prof in self.scar_profiles.items()}

    def parse(self, text: str) -> Query:
        f = self.analyzer.frame(text)
        q = Query(**vars(f))
        self._typo_checks = 0
        low = " ".join(q.tokens)
        landed = [c for c in q.other_countries if _ARRIVAL.search(q.text.lower().replace(c, "PLACE"))]
        if landed:  # "a driver when we arrive in X?": where the flight lands, not what is asked about
            q.other_countries = [c for c in q.other_countries if c not in landed]
        lowered = spelled_numbers(_thousands(q.text.lower()))  # "$10k" → "$10,000", "ninety" → "90"
        q.why = bool(_WHY.match(lowered) or _WHY_ANYWHERE.search(lowered))
        q.yesno = bool(_YESNO.match(lowered) or _TAG_QUESTION.search(lowered) or _DECLARATIVE_Q.match(lowered)
                       or _CLAIM_CHECKED.search(lowered) and REPORTED.search(lowered) or _MORE_CLAIMS.match(lowered)) \
            and not q.why
        q.recommend = bool(_RECOMMEND.search(low)) and not q.why and not _HOW_IT_WORKS.match(low)
        q.asking = self._asking(q.text)
        described = self._described_treatment(q, lowered)
        if described:  # "that thing where they freeze the skin and cut a little plug out": the treatment so described
            q.procedures, q.inferred_procedure = [described], described
        q.why = q.why or bool(_WHY.match(q.asking.lower()))  # "I'm from Leeds. What causes them?"
        asked = self.analyzer.frame(q.asking) if q.asking else None
        named = [*asked.procedures, *asked.clinics, *asked.scar_types, *asked.filler_types] if asked is not None else []
        topic = _TOPIC_LEAD.match(q.text)  # "dermabrasion — how many sessions?": the lead is what is asked about
        if asked is not None and not named and topic and not q.asking.startswith(topic.group(1)) \
                and len(words(topic.group(1))) <= 5 and not _FIRST_PERSON.search(topic.group(1).lower()):
            q.asking = f"{topic.group(1)} — {q.asking}"
            asked = self.analyzer.frame(q.asking)
        q.asking_tokens = list(asked.tokens) if asked is not None else []
        if asked is not None and asked.procedures and asked.countries and not asked.attributes \
                and len(words(q.asking)) <= 6:  # "not lasers after all. peels in India?": a price
            q.attributes = ["cost"]
            named = [*asked.procedures, *asked.clinics, *asked.scar_types, *asked.filler_types]
        elif asked is not None and asked.procedures and q.countries and not asked.attributes \
                and _WHATS_IN_EACH.match(q.asking.lower()):  # "deciding between X and Y. What's laser in each?"
            q.attributes = ["cost"]
        q.asked_entities = named or list(q.entities)
        # "What is X in Brazil? I'm weighing Rio against Seoul.": the country asked is the one the article lacks
        q.other_asked = asked is not None and bool(asked.other_countries) and not asked.countries
        # a question that names its treatment and what it asks is read alone for how to compute: "a local clinic
        # offered me a course of peels ... what does a peel cost in India?" asks no course total
        ops, ops_lowered = (" ".join(asked.tokens), q.asking.lower()) if asked is not None and asked.attributes and (
            asked.procedures or asked.filler_types) else (low, lowered)
        q.course = bool(_COURSE.search(ops))
        q.session_end = _one_end(_SESSION_END, ops, "best")
        q.price_end = None if _BOTH_ENDS.search(ops) else _one_end(_PRICE_END, ops) or _one_end(_COUNTRY_END, ops_lowered)
        q.country_ends = self._country_ends(ops_lowered) if len(q.countries) == 2 else {}
        if q.country_ends:
            q.price_end = None  # each country at its own end, not one end for both
        q.at_average = not q.price_end and bool(_AVERAGE.search(ops))
        q.range_math = "mid" if _MIDPOINT.search(ops_lowered) else "spread" if _SPREAD.search(ops_lowered) else None
        if q.range_math and len(q.countries) <= 1:
            q.price_end = q.superlative = None  # both ends of one range are used
        if q.price_end and q.superlative and len(q.countries) <= 1 \
                and len([p for p in [*q.procedures, *q.filler_types] if p != lexicon.GENERAL_PROCEDURE]) < 2:
            q.superlative = None  # "at the cheapest Korean price": one end of a range, not the cheapest country
        if q.session_end and (q.procedures or q.asks_cost) and not q.count:
            q.course = True  # "the greatest number of sessions": a course total at that end
        ends = {"min" if m.group("min") else "max" for m in _TOTAL_END.finditer(ops)}
        if len(ends) == 1 and q.course and not (q.price_end or q.session_end) and len(q.countries) <= 1 \
                and not _BOTH_ENDS.search(ops) and not (re.search(r"\b(?:cheapest|lowest|minimum)\b", ops) and re.search(
                    r"\b(?:most expensive|highest|priciest|dearest|maximum)\b", ops)):  # "the cheapest total": fewest × lowest
            q.price_end = q.session_end = ends.pop()
            q.superlative = None
        q.plus = bool(_PLUS.search(ops_lowered))
        treatments = [p for p in [*q.procedures, *q.filler_types] if p != lexicon.GENERAL_PROCEDURE]
        if q.plus and len(treatments) >= 2 and not (q.attributes or q.yesno or q.why) and _SUMMED.search(ops_lowered):
            q.attributes.append("cost")  # "X plus Y, what does that add up to?": treatments summed are summed by price
        q.saving = bool(_SAVE.search(low) or _HOW_MUCH_MORE.search(low))
        if q.compare and len(q.countries) >= 2 and q.attributes == ["mechanism"] and not q.why:
            q.attributes = ["cost"]  # "how does X in Canada compare to Korea?": countries differ in price, not in how X works
        if q.saving and len(q.countries) >= 2 and not q.asks_cost:  # "the most I could save by going to Korea"
            q.attributes.append("cost")
        if not q.compare and _WHICH_OR.search(low) and len([*q.procedures, *q.filler_types, *q.all_scar_types]) >= 2:
            q.compare = True  # "which heals faster, peels or lasers?"
        self._drop_home(q)
        q.excluded_countries = self._excluded(lowered)
        q.excluded_words = [w for rx in (_EXCEPT, _ASIDE) for m in rx.finditer(lowered)
                            for w in content_words(next(g for g in m.groups() if g))]
        if q.excluded_words:  # "apart from fillers, which ...?": fillers are not what is asked about
            joined = f" {' '.join(q.tokens)} "
            out = {name for start, end, kind, name in q.spans
                   if kind in ("procedure", "filler_type", "scar_type") and set(joined[start:end].split()) <= set(q.excluded_words)}
            q.excluded_entities = sorted(out)
            q.procedures = [p for p in q.procedures if p not in out]
            q.filler_types = [f for f in q.filler_types if f not in out]
            q.scar_types = [t for t in q.scar_types if t not in out]
        q.budget = self._budget(lowered)
        q.numbers = self._numbers(lowered)
        q.count = self._count(lowered) or self._counted_entity(q)
        q.entity_counts = self._entity_counts(q)
        if q.count and _TIMES_N.search(lowered) and not q.asks_cost:  # "x5?": that price five times
            q.attributes = [a for a in q.attributes if a != "sessions"] + ["cost"]
        m = _COUNT_RANGE.search(lowered)  # "for 4 to 6 sessions": both ends of the count
        q.count_low = int(m.group(1)) if m and 1 <= int(m.group(1)) < int(m.group(2)) <= 30 else None
        if q.count_low is not None:
            q.count = int(m.group(2))
        if q.count and q.procedures and q.countries and not q.asks_cost and (q.superlative or q.compare):
            q.attributes.append("cost")  # "is that less than 4 sessions in Turkey?"
        if q.count and q.countries and not q.yesno and set(q.attributes) <= {"sessions"}:
            q.attributes.append("cost")  # "then 5 of them in Thailand?": a count in a country is priced
        if not q.attributes and q.countries and len(q.tokens) <= 8 and not q.why \
                and re.search(r"\b(?:one|a single|1|a)\s+session\b", lowered):
            q.attributes.append("cost")  # "a sitting in Canada?": nothing else is asked of a session there
            q.yesno = False
        if q.count and not q.asks_cost and (q.price_end or _PRICE_WORDS.search(lowered)):
            q.attributes.append("cost")  # "two sessions at the high end of it?"
        m = _PERCENT.search(lowered)
        q.percent = float(m.group(1)) if m else None
        q.amounts = [float(next(x for x in g if x).replace(",", "")) for g in _AMOUNT.findall(lowered)]
        q.leftover = bool(_LEFT_OVER.search(lowered))
        many = _HOW_MANY_SESSIONS.search(lowered)
        q.affordable = bool(q.budget or q.amounts) and bool(_HOW_MANY_FOR.search(lowered) or (
            q.budget and many and not _NEEDED.search(lowered[many.start():])))  # "budget $1,500. how many sessions?"
        if q.affordable:
            q.count = None  # a number of sessions asked for, not planned
            q.attributes = [a for a in q.attributes if a != "sessions"] + (["cost"] if not q.asks_cost else [])
        q.paid_share = bool(_PAID_SHARE.search(lowered))
        if q.count is None and q.procedures and (q.budget or q.amounts) and q.leftover \
                and _ONE_SESSION.search(lowered):
            q.count = 1  # "one laser session ... how much of my budget is left?": a total of one session
        if asked is not None:  # a story around the question: does the question itself ask a price?
            # none of its own ("what does the table say?"): the story's
            q.asking_cost = "cost" in asked.attributes or not (asked.attributes or _RECOMMEND.search(" ".join(asked.tokens))
                                                                or _NOT_A_PRICE_Q.match(q.asking.lower()))
        focus = {self.analyzer.speller.correct(w) for w in words(q.asking)} if q.asking else None
        q.salient, q.unbound, q.anchors = self._salience(q, focus)
        origin = {w.lower() for m in _ORIGIN.finditer(q.text) for w in m.group(1).split()} & set(q.unbound)
        origin |= {w for c in landed for w in c.split()}
        if origin:  # "Booking from Jakarta", "I'm in Lagos": where the user is, not what they ask about
            q.salient = [w for w in q.salient if w not in origin]
            q.unbound = [w for w in q.unbound if w not in origin]
        plan = _PLAN.search(lowered)
        if plan and (q.procedures or q.filler_types) and q.attributes:
            # "X has no downtime, so I can go sightseeing the next day?": the plan rests on a claim about X,
            # which is what is asked; what they plan to do is context
            later = lowered[plan.start():]
            q.other_topics = [t for t in q.other_topics if t not in later]
            q.salient = [w for w in q.salient if w not in words(later)]
            q.unbound = [w for w in q.unbound if w not in words(later)]
        if q.asking and named and q.other_topics and not q.yesno:  # "after X, how soon is the sun OK? off to see
            # the sights": the question names its subject; the trip is context (but "I'm pregnant - is X safe?"
            # hinges on it)
            said = f" {' '.join(words(q.asking))} "
            q.other_topics = [t for t in q.other_topics if f" {t} " in said]
        q.ungiven = self._ungiven(q)
        q.absent, q.near = self._absent(q)
        if self.neighbours is not None and q.salient:
            common = self.neighbours.common()
            q.framing = [w for w in q.unbound if w in common]
            q.plain = [w for w in q.salient if w in common]
        # "deep narrow pits and some wavy rolling areas": a type described beside one named is meant too
        q.described_types = self._infer_scar_types(q)
        q.inferred_scar_types = [t for t in q.described_types if t not in q.scar_types]
        if not q.all_scar_types and not q.filler_types and _ALL_TYPES.search(low) and self.scar_profiles:
            q.scar_types = list(self.scar_profiles)  # "I have all three types": every type the article describes
            q.attributes = [a for a in q.attributes if a != "types"]
        q.describes = not _asks_anything(q.text) and not _KEYWORD_ASK.search(q.text.lower())  # "icepick %": asks
        q.identify = bool(q.inferred_scar_types and _IDENTIFY.search(low) or q.all_scar_types and q.describes)
        if not q.attributes and set(q.salient) <= _UNIT_WORDS and q.countries and q.procedures \
                and (asked is None or asked.countries) and not re.search(r"\b(?:clinics?|hospitals?)\b", low):
            # "peels india?": a price (a country of the story asks none; "which Korean clinic for lasers?" a clinic)
            q.attributes.append("cost")
        if "procedure" in q.attributes and not (q.procedures or q.filler_types) and _TAKES_TO.search(low):
            q.attributes.remove("procedure")  # "how long does it take to process a visa?": not how a treatment is done
        if "types" in q.attributes and _KIND_OF_SCARS.search(low):  # "which sorts of scars does it treat?"
            q.attributes = [a for a in q.attributes if a != "types"] + ["suitability"]
        named = [p for p in [*q.procedures, *q.filler_types] if p != lexicon.GENERAL_PROCEDURE]
        if q.why and len(named) == 1 and _WHY_EFFECT.search(lowered) and "mechanism" not in q.attributes:
            q.attributes.append("mechanism")  # "why does it help?": what the treatment does is the reason
        q.operation = self._operation(q)
        return q

    # ------------------------------------------------------------------ pieces
    def _operation(self, q: Query) -> str:
        if (q.affordable or q.range_math) and q.procedures:
            return "compute"
        counts_only = "sessions" in q.attributes and not q.asks_cost and "how many" in q.text.lower()  # "... a course include?"
        if (q.asks_cost or q.course) and q.asking_cost and not counts_only and (q.course or q.saving or (q.plus and len(q.procedures) >= 2)
                                          or (q.count and q.procedures)):
            return "compute"
        if q.superlative:
            return "superlative"
        if q.why:
            return "explain"
        if q.recommend and q.all_scar_types:
            return "recommend"
        if q.identify:
            return "identify"
        if q.compare and len(q.countries) + len(q.procedures) >= 2:
            return "compare"
        if _LOCATE.search(q.text.lower()):
            return "locate"
        if _LIST.search(q.text.lower()):
            return "list"
        if q.yesno:
            return "yesno"
        return "lookup"

    def _excluded(self, lowered: str) -> list[str]:
        out = []
        for m in _EXCEPT.finditer(lowered):
            sub = self.analyzer.frame(m.group(1))
            out.extend(c for c in sub.countries if c not in out)
        return out

    @staticmethod
    def _budget(lowered: str) -> float | None:
        m = _BUDGET.search(lowered)
        if not m:
            return None
        value = float(next(g for g in m.groups() if g).replace(",", ""))
        return value if value >= 50 else None

    @staticmethod
    def _count(lowered: str) -> int | None:
        """The number of sessions the user plans: "5 peel sessions", "three treatments"."""
        m = _PLANNED.search(lowered) or _DO_N.search(lowered) or _TIMES_N.search(lowered) or next(
            (x for x in _N_AT.finditer(lowered) if not _NAMES_NUMBER.search(lowered[: x.start()])), None)
        if not m:
            return None
        n = next(g for g in m.groups() if g)
        value = int(n) if n.isdigit() else _NUMBER_WORDS.get(n)
        return value if value and 1 < value <= 30 else None

    @staticmethod
    def _entity_counts(q: Query) -> dict[str, int]:
        """Each treatment's own number: "6 microneedling sessions plus one peel" → 6 and 1; a number right
        before the name, or "N sessions of" it."""
        joined = f" {' '.join(q.tokens)} "
        numbers = r"\d+|" + "|".join(_NUMBER_WORDS) + "|a|an"
        out: dict[str, int] = {}
        procs = [name for _s, _e, kind, name in sorted(q.spans) if kind == "procedure"]
        each = re.search(rf"(?:^|\s)({numbers})\s+(?:(?:sessions?|treatments?|rounds?)\s+)?(?:of\s+)?each\b", joined)
        if each and len(set(procs)) >= 2:  # "one session each of X and Y", "X and Y, 2 of each"
            n = each.group(1)
            value = int(n) if n.isdigit() else 1 if n in ("a", "an") else _NUMBER_WORDS.get(n)
            if value and 1 <= value <= 30:
                return dict.fromkeys(procs, value)
        last_end, last_n = -1, None
        for start, end, kind, name in sorted(q.spans):
            if kind != "procedure" or name in out:
                continue
            if last_n is not None and re.fullmatch(r"\s*(?:and|&|plus|,)\s*", joined[last_end:start + 1]):
                out[name], last_end = last_n, end  # "one session of X and Y": one of each
                continue
            if re.match(r"\s*(?:session|treatment)\b", joined[end:]) and re.search(
                    r"(?:^|\s)(?:that|this|the|my|one|a|an|single)\s+$", joined[:start + 1]):
                out[name] = 1  # "that laser session": one session of it
                last_end, last_n = end, 1
                continue
            m = re.search(rf"(?:^|\s)({numbers})\s+(?:(?:sessions?|treatments?|rounds?)\s+)?(?:of\s+(?:the\s+)?)?$",
                          joined[:start + 1])  # "3 sessions of X", "one of X"
            if m:
                n = m.group(1)
                value = int(n) if n.isdigit() else 1 if n in ("a", "an") else _NUMBER_WORDS.get(n)
                if value and 1 <= value <= 30:
                    out[name] = value
            last_end, last_n = (end, out[name]) if name in out else (-1, None)
        return out

    @staticmethod
    def _counted_entity(q: Query) -> int | None:
        """"2 fillers", "three peels": a number right before a treatment's name counts its sessions."""
        joined = f" {' '.join(q.tokens)} "
        for start, _end, kind, name in q.spans:
            if kind not in ("procedure", "filler_type"):
                continue
            m = re.search(r"(?:^|\s)(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+$", joined[:start + 1])
            if m:
                n = m.group(1)
                value = int(n) if n.isdigit() else _NUMBER_WORDS.get(n)
                named = {other for _s, _e, k, other in q.spans if k in ("procedure", "filler_type") and other != name}
                if value and 1 < value <= 30 and len(named) != value:  # "two fillers: Radiesse and Sculptra" names
                    return value  # them; it plans no sessions
        return None

    @staticmethod
    def _numbers(lowered: str) -> list[float]:
        """Counts the question states ("only one session", "3 treatments"); money and percentages are not."""
        out = [float(n) for n in _NUMBER.findall(re.sub(r"\$\s?[\d,]+(?:\.\d+)?", " ", lowered))]
        out += [float(v) for w, v in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", lowered)
                and not re.search(rf"\b{w}\s+(?:of|or two|more|another)\b", lowered)]
        return out

    def _bound(self, w: str) -> bool:
        if w in self.vocab or stem(w) in self.vocab_stems or w in self.alias_words or w in self.generic:
            return True
        return len(w) >= 4 and any(related(w, v) for v in self.vocab_prefix.get(w[:3], ()))

    def _is_word(self, w: str) -> bool:
        """An English word: one the embedding model knows whole, or a long word no known word is a typo
        away from ("acupuncture", "moisturizer"; not "diffrence" or "ppl")."""
        known = self.analyzer.speller.known
        if w in known or stem(w) in known or any(
                w.endswith(suf) and w[: -len(suf)] in known for suf in ("ed", "d", "ing", "s", "es", "able", "ly")):
            return True
        if len(w) < 7 or self._typo_checks >= MAX_ABSENT_CHECKED:
            return False
        self._typo_checks += 1
        return not self._typo_of_known(w)

    def _typo_of_known(self, w: str) -> bool:
        """Two edits or fewer from a known word of about its length sharing its first two letters."""
        if self._by_start is None:
            self._by_start = {}
            for k in self.analyzer.speller.known:
                if len(k) >= 5 and k.isalpha():
                    self._by_start.setdefault(k[:2], []).append(k)
        if w in self._typo_cache:
            return self._typo_cache[w]
        found = any(abs(len(k) - len(w)) <= 2 and edit_distance(w, k) <= 2 for k in self._by_start.get(w[:2], ()))
        if len(self._typo_cache) > 4096:
            self._typo_cache.clear()
        self._typo_cache[w] = found
        return found

    def _ungiven(self, q: Query) -> list[str]:
        """Kinds of fact the article rarely gives, asked for in the sentences that ask ("I'm at work
        right now." is context), and not while the question asks a price the corpus has."""
        q_kinds = self.analyzer.frame(q.asking).ungiven if q.asking else q.ungiven
        if q.asks_cost and not (q.procedures or q.filler_types) and "travel prices" not in q_kinds \
                and set(q.tokens) & _TRAVEL_NOUNS and not re.search(r"\w-free\b", q.text):
            # "is the visa free?": the price of a visa, as "visa fee" says ("visa-free" entry is no price)
            q_kinds = [*q_kinds, "travel prices"]
        priced = q.asks_cost and bool(q.procedures or q.countries)
        return [k for k in q_kinds if not (priced and k not in ("travel prices", "insurance"))]

    def _absent(self, q: Query) -> tuple[list[str], dict[str, str]]:
        """Unbound words the article has nothing near, except words of the user's own situation ("my
        wedding", "our kids"): those are context, not the fact asked for; and the others, each with the article
        word it paraphrases ("trip": "travel")."""
        if self.neighbours is None or not q.unbound:
            return [], {}
        low = q.text.lower()
        own = {m.group(1) for m in _POSSESSED.finditer(low)} | {m.group(2) for m in _POSSESSED.finditer(low) if m.group(2)}
        own |= set(words(_GREETING.match(low).group(0))) if _GREETING.match(low) else set()  # "Merhaba, ..."
        asked = [w for w in q.unbound if w not in own][:MAX_ABSENT_CHECKED]
        if not asked:
            return [], {}
        return self.neighbours.absent(asked), self.neighbours.paraphrased(asked)

    @staticmethod
    def _drop_home(q: Query) -> None:
        """"I'm from Leeds. What does subcision cost in Korea?": where the user lives is context, not a country
        asked about, when the message names another."""
        low = q.text.lower()
        if not _HOME_POINTED.search(low):  # "I am from Vietnam. Which clinic ...?": a country the article lacks, named
            # only as where the user lives, is context too (but "I'm from X. Laser there?" asks about it)
            q.other_countries = [c for c in q.other_countries if not _only_as_home(c, low)]
        joined = f" {' '.join(q.tokens)} "
        spans = [(name, bool(_LIVES_IN.search(joined[max(0, start - 30): start + 1])))
                 for start, _end, kind, name in q.spans if kind == "country"]
        homes = {name for name, _ in spans if all(home for n, home in spans if n == name)}  # never named otherwise
        if len(q.countries) < 2 or _HOME_ASKED.search(q.text.lower()):
            q.home_countries = sorted(homes)  # "I'm from Leeds. What causes scars?": where they live, still named
            return  # "at home vs Korea", "instead of at home": home is asked about too
        if homes and len(set(q.countries) - homes) >= 1:
            q.countries = [c for c in q.countries if c not in homes]
            q.home_countries = sorted(homes)
            q.compare = q.compare and (len(q.countries) > 1 or bool(COMPARE_WORDS.search(q.text.lower())))

    def _adverb(self, w: str) -> bool:
        """A manner or degree adverb ("roughly", "exactly", "easily") qualifies the question; it names no
        fact the article could lack."""
        known = self.analyzer.speller.known
        if len(w) >= 7 and w.endswith(("ally", "ily", "ely", "fully", "ously", "ively", "ably", "ibly")):
            return True  # "realistically", "honestly", "seriously": their form says adverb
        return len(w) >= 6 and w.endswith("ly") and any(
            b in known for b in (w[:-2], w[:-3] + "le", w[:-3] + "y", w[:-4] + "le", w[:-4]))

    @staticmethod
    def _asking(text: str) -> str:
        """The sentences that ask (not "I'm a nurse from Leeds." before the question); "" when every
        sentence asks or none does."""
        sentences = [x for x in _STORY_BREAK.split(text) if x and x.strip()]
        asking = [x for x in sentences if x.rstrip().endswith("?") or _ASKS.match(x.lower())]
        if asking and all(_CHECK_TAG.match(x.lower()) for x in asking):
            return ""  # "My agent says a week. Sound right?": the statement before it is what is asked
        if not asking:  # "people always ask me how early to reserve": the question inside the statement
            m = _EMBEDDED_Q.search(text)
            return m.group(1) if m else ""
        if len(asking) == len(sentences):
            return ""
        return " ".join(asking)

    def _salience(self, q: Query, focus: set[str] | None) -> tuple[list[str], list[str], list[str]]:
        entity_words: set[str] = set()
        for start, end, _kind, _canonical in q.spans:
            entity_words.update(f" {' '.join(q.tokens)} "[start:end].split())
        salient, unbound, anchors = [], [], []
        for w in dict.fromkeys(q.tokens):
            if w in STOPWORDS or len(w) < 3 or not w.isalpha() or w in self.generic:
                continue
            asks = focus is None or w in focus  # anchors come from the whole message, gaps only from the question
            if w in entity_words or w in self.alias_words:
                anchors.append(w)
                continue
            if self._bound(w):
                anchors.append(w)
                salient += [w] if asks else []
            elif asks:
                salient.append(w)
                unbound += [w] if (len(w) >= 4 or w in self.analyzer.speller.known and w not in _CHAT) \
                    and self._is_word(w) and not self._adverb(w) else []  # "a minimum age?": short words count too
        return salient, unbound, anchors

    def _country_ends(self, low: str) -> dict[str, str]:
        """Each side of a comparison with its own end of the range: "India's top price than Korea's
        lowest", "3 in Korea at the top price vs 3 in Singapore at the lowest" → {country: "min"|"max"}."""
        sides = _SIDES.split(low)
        if len(sides) != 2:
            return {}
        ends = {}
        for side in sides:
            countries = self.analyzer.frame(side).countries
            end = _one_end(_PRICE_END, side) or _one_end(_COUNTRY_END, side) or _one_end(_BARE_END, side)
            if len(countries) != 1 or end is None:
                return {}
            ends[countries[0]] = end
        return ends if len(ends) == 2 and len(set(ends.values())) == 2 else {}

    def shared_treatment_stems(self) -> set[str]:
        """Stems that several treatments' own sections use ("redness", "downtime"): a property of a treatment,
        which one left open."""
        if self._treatment_stems is None or self._treatment_profiles is None:
            return set()
        if self._shared_stems is None:  # the corpus's, worked out once (every follow-up asks)
            distinctive = {w for own in self._treatment_profiles().values() for w in own}
            self._shared_stems = self._treatment_stems() - distinctive
        return self._shared_stems

    def own_treatment_stems(self, treatment: str) -> set[str]:
        """Stems only this treatment's own sentences use in the article ("bruising" of subcision)."""
        return set(self._treatment_own(treatment)) if self._treatment_own is not None else set()

    def _infer_scar_types(self, q: Query) -> list[str]:
        """A lay description ("deep narrow holes like big pores") → the scar type the corpus describes so;
        a list of descriptions ("a few small round dents, some broad shallow waves") → each
        clause's type, by the words only that type's description uses."""
        by_clause: list[str] = []
        text = _NEGATED.sub(" ", q.text.lower())  # "no sharp edges": not a feature of the scars described
        named = self._named_stems(q)  # "icepick" names a type; it does not describe one ("wider than icepick")
        treated = self._treatment_stems() if self._treatment_stems is not None else set()
        for clause in _CLAUSE.split(text):
            said = self.analyzer.split_joined(content_words(clause))  # "pinholes"
            st = {stem(w) for w in said} - self.background - named
            said = [w for w in said if stem(w) in st and len(w) >= 4]

            # "light, surface-level marks": words the article also uses of what treatments suit describe a
            # severity, not a shape; a type is told by at least one word of its own description only
            counts = sorted(((len(h) if (h := _described_by(own, st, said)) - treated else 0, name)
                             for name, own in self.distinctive.items()), reverse=True)
            if counts and counts[0][0] >= 1 and (len(counts) == 1 or counts[1][0] < counts[0][0]):
                by_clause.append(counts[0][1])
        by_clause = list(dict.fromkeys(by_clause))
        whole = self._infer_whole(q)
        # clauses that each tell a type apart are a list of descriptions: the whole message's shared words
        # ("sharp", "they're") add no type to them
        return by_clause if len(by_clause) > len(whole) or len(by_clause) >= 2 else whole

    @staticmethod
    def _named_stems(q: Query) -> set[str]:
        joined = f" {' '.join(q.tokens)} "
        return {stem(w) for start, end, kind, _name in q.spans if kind == "scar_type" for w in joined[start:end].split()}

    def _described_treatment(self, q: Query, lowered: str) -> str:
        """The treatment a message describes instead of naming ("that thing where a needle snaps the cords under
        the scar"): the one whose own sections use most of the description's words that no other treatment's
        use, clearly ahead of the next."""
        m = _DESCRIBES.search(lowered)
        if q.procedures or q.filler_types or self._treatment_profiles is None or not m:
            return ""
        clause = re.split(r"\.\.+|\s[-—–]\s|[?;:]|,\s*(?:how|what|which|when|is|are|do|does|can)\b", lowered[m.end():])[0]
        asked = {stem(w) for w in content_words(clause)} - self.background  # the description, not the question
        scored = sorted(((len(asked & own), name) for name, own in self._treatment_profiles().items()), reverse=True)
        if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[1][0] * 2 > scored[0][0]):
            return ""
        return scored[0][1]

    def _infer_whole(self, q: Query) -> list[str]:
        asked = {stem(w) for w in content_words(_NEGATED.sub(" ", q.text.lower()))} - self.background - self._named_stems(q)
        asked = {w for w in asked if w not in self.generic}
        if len(self.scar_profiles) > 1:  # a word every description uses ("type") tells none apart
            asked -= set.intersection(*map(set, self.scar_profiles.values()))
        scored = []
        for name, profile in self.scar_profiles.items():
            overlap = asked & profile
            if len(overlap) >= 2:
                scored.append((len(overlap), name))
        scored.sort(reverse=True)
        return [n for s, n in scored if s == scored[0][0]] if scored else []
