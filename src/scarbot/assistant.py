"""``Assistant``: guard → condense → retrieve → answer → cite/verify, as one LangChain runnable chain.

The default answerer (no LLM) and an LLM backend share the same chain shape: the answer step
returns a draft of sentences, each tied to a chunk and a verbatim quote; the cite step numbers
them, checks each quote against its chunk and each figure against its quote, and builds the
``Answer``. Models and the index load on first use, never at import.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from scarbot.errors import BackendError, IndexMismatchError, InputError, ScarbotError
from scarbot.settings import Settings
from scarbot.types import Answer, Citation, Context

MAX_PARTS = 4  # questions answered from one message; the cost of a message stays bounded


@dataclass
class Turn:
    """The state of one request as it moves through the steps (typed, not a string-keyed dict)."""

    question: str
    history: list[dict]
    k: int
    t0: float
    timings: dict[str, float] = field(default_factory=dict)
    standalone: str = ""
    clarify: bool = False  # the standalone text is a clarifying question to reply with (scarbot.dialogue.Rewrite)
    query: Any = None  # scarbot.query.Query
    hits: list = field(default_factory=list)
    qvec: Any = None
    fvec: Any = None  # the vector of the asking sentences alone, when the message has others
    draft: Any = None  # scarbot.answer.Draft
    llm_text: str = ""


def _join(sentences: list[str]) -> str:
    """Sentences joined by spaces; a Markdown list starts on its own line."""
    out, bullet = "", False
    for sentence in sentences:
        is_bullet = sentence.startswith("- ")
        sep = "\n" if is_bullet else ("\n\n" if bullet else " ")
        out = f"{out}{sep}{sentence}" if out else sentence
        bullet = is_bullet
    return out


MAX_K = 20  # the bound of SCARBOT_TOP_K
DENSE_CANDIDATES = 200  # server mode: the nearest chunks asked of Chroma per question (all of them up to this many)


def _describe_turn(turn: Any) -> str:
    """What is wrong with one history turn, in a few words (never the whole, possibly huge, value)."""
    if not isinstance(turn, dict):
        return f"it is {type(turn).__name__}"
    role, content = turn.get("role"), turn.get("content")
    if "role" not in turn:
        return "it has no role"
    if role not in ("user", "assistant"):
        shown = repr(role) if isinstance(role, str) and len(role) <= 30 else type(role).__name__
        return f"its role is {shown}"
    return "it has no content" if "content" not in turn else f"its content is {type(content).__name__}, not text"


_TIMING_ORDER = ("load", "condense", "retrieve", "answer", "cite")


def _closed_timings(s: Turn) -> dict[str, float]:
    """The step timings, rounded, plus "other" (guard, first-use imports, streaming, bookkeeping), so
    that the parts add up to "total" (to within rounding)."""
    total = round((time.perf_counter() - s.t0) * 1000, 2)
    names = [k for k in _TIMING_ORDER if k in s.timings] + \
        [k for k in s.timings if k not in _TIMING_ORDER and k not in ("other", "total")]
    parts = {k: round(s.timings[k], 2) for k in names}
    parts["other"] = round(max(total - sum(parts.values()), 0.0), 2)
    parts["total"] = total
    return parts


def claim_supported(sentence: str, source: str, generic: set[str]) -> bool:
    """A sentence is supported by its cited source when most of its content words are the source's
    and every name in it (a capitalised word after the first) is in the source."""
    from scarbot.answer import weights as W
    from scarbot.nlp import STOPWORDS, content_words, normalize, stem

    own = [w for w in content_words(sentence) if w not in generic and w not in STOPWORDS and len(w) > 2]
    if not own:
        return True
    have = {stem(w) for w in content_words(source)}
    names = re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]{2,}\b", sentence)
    if any(n.lower() not in normalize(source).lower() for n in names):
        return False
    return sum(stem(w) in have for w in own) / len(own) >= W.CLAIM_OVERLAP


class Assistant:
    def __init__(self, settings: Settings | None = None, *, embedder=None, chat_model=None):
        self.settings = settings or Settings()
        self._embedder = embedder
        self._chat_model = chat_model
        self._lock = threading.Lock()
        self._loaded = False
        self._chain = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        return cls(settings)

    # ------------------------------------------------------------------ loading
    def load(self) -> Assistant:
        """Load index, encoder and backends (idempotent, thread-safe)."""
        if self._loaded:
            return self
        with self._lock:
            if self._loaded:
                return self
            from scarbot.answer import CorpusView, Router
            from scarbot.embeddings import get_embedder
            from scarbot.neighbours import WordNeighbours, cache_dir, corpus_vocabulary, model_folder
            from scarbot.query import QueryParser
            from scarbot.retrieval import HybridRetriever, Index
            from scarbot.store import load_snapshot

            snap = load_snapshot(self.settings, lazy_units=True)
            embedder = self._embedder or get_embedder(self.settings.embedding_model, light=True)
            if embedder.model_id != snap.model_id or embedder.dim != int(snap.manifest["dim"]):
                raise IndexMismatchError(
                    f"the index was built with embedding model {snap.model_id!r} but {embedder.model_id!r} is "
                    "configured; run 'scarbot ingest --rebuild' (or set SCARBOT_EMBEDDING_MODEL back)"
                )
            vocabulary = getattr(embedder, "vocabulary", None)
            self.index = Index(snap, vocabulary() if callable(vocabulary) else None)
            dense = self._chroma_dense() if self.settings.chroma_url else None
            self.retriever = HybridRetriever(self.index, embedder, dense, self.settings.fusion)
            corpus = CorpusView(self.index)
            neighbours = WordNeighbours(embedder, corpus_vocabulary(self.index.analyzer.stats["vocab"]),
                                        cache_dir(self.settings.data_dir),
                                        model_folder(self.settings.embedding_model))
            self.parser = QueryParser(self.index.analyzer, corpus.scar_profiles, corpus.background, neighbours,
                                      treatment_stems=corpus.treatment_stems,
                                      treatment_profiles=corpus.treatment_profiles,
                                      treatment_own=corpus.treatment_own_stems)
            self.answerer = Router(corpus)
            self.llm_answerer = self.llm_condenser = None
            if self._chat_model is None and self.settings.llm.strip().lower() != "none":
                from scarbot.llm import make_chat_model

                self._chat_model = make_chat_model(self.settings.llm)
            if self._chat_model is not None:
                from scarbot.llm import LLMAnswerer, LLMCondenser

                self.llm_answerer = LLMAnswerer(self._chat_model, self.settings.prompts_dir,
                                                history_turns=self.settings.history_turns,
                                                max_question_chars=self.settings.max_question_chars)
                self.llm_condenser = LLMCondenser(self._chat_model, self.settings.prompts_dir)
            self._loaded = True
        return self

    def _chroma_dense(self):
        """Dense scores from the Chroma server for every live chunk (stale ids in Chroma are ignored)."""
        import numpy as np

        from scarbot.store import check_model, chroma_client, get_collection

        collection = get_collection(chroma_client(self.settings), self.settings.collection)
        if collection is None:
            raise IndexMismatchError(f"collection {self.settings.collection!r} is missing on "
                                     f"{self.settings.chroma_url}; run 'scarbot ingest'")
        manifest = self.index.snap.manifest  # load() builds the index before asking for this
        check_model(collection.metadata, manifest["model_id"], int(manifest["dim"]), self.settings.chroma_url or "")

        def dense(qvec, n: int):
            """The nearest chunks' similarities from the server (top DENSE_CANDIDATES, twice that to allow
            for stale ids); a chunk outside them scores as low as the last one returned."""
            try:
                wanted = 2 * min(n, DENSE_CANDIDATES)
                res = collection.query(query_embeddings=[qvec.tolist()], n_results=min(wanted, collection.count()),
                                       include=["distances"])
            except Exception as exc:  # the server went away after load(): say so, not a traceback
                raise BackendError(f"the Chroma server at {self.settings.chroma_url} stopped answering "
                                   f"({type(exc).__name__}); restart it or unset SCARBOT_CHROMA_URL") from exc
            found = [(self.index.by_id.get(cid), 1.0 - float(dist))
                     for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True)]
            found = [(i, sim) for i, sim in found if i is not None]
            floor = min((sim for _, sim in found), default=0.0) if len(found) < n else 0.0
            scores = np.full(n, floor, dtype=np.float32)
            for i, sim in found:
                scores[i] = sim
            return scores

        return dense

    # ------------------------------------------------------------------ guard
    def _guard(self, question: Any, history: Any, k: Any = None) -> tuple[str, list[dict]]:
        from numbers import Integral

        from scarbot.dialogue import bounded_history, memory_size
        from scarbot.nlp import normalize

        if k is not None and (isinstance(k, bool) or not isinstance(k, Integral) or not 1 <= k <= MAX_K):
            raise InputError(f"k must be a whole number from 1 to {MAX_K} (or None for the configured "
                             f"SCARBOT_TOP_K), not {k!r}")
        if not isinstance(question, str):
            raise InputError("the question must be text")
        q = normalize(question)
        if not q:
            raise InputError("the question is empty: type a question about the article")
        if len(q) > self.settings.max_question_chars:
            raise InputError(f"the question is too long ({len(q):,} characters; the limit is "
                             f"{self.settings.max_question_chars:,}): please shorten it")
        if not any(ch.isalnum() for ch in q):
            raise InputError("the question has no words in it: type a question about the article")
        if history is not None and not isinstance(history, list):
            raise InputError("history must be a list of {'role': 'user'|'assistant', 'content': text} turns")
        for i, turn in enumerate(history or []):
            if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant")
                    and isinstance(turn.get("content"), str)):
                raise InputError(f"history turn {i + 1} is not a {{'role': 'user'|'assistant', 'content': text}} "
                                 f"object: {_describe_turn(turn)}")
        # the dialogue state reads a longer memory (persona, "the clinic I asked about at the start");
        # pronouns and the LLM prompts still use the last ``history_turns`` messages only
        return q, bounded_history(history, memory_size(self.settings.history_turns))

    # ------------------------------------------------------------------ chain steps
    def _condense(self, s: Turn) -> Turn:
        from scarbot.dialogue import understand

        t = time.perf_counter()
        standalone = None
        if self.llm_condenser is not None and s.history:
            try:
                standalone = self.llm_condenser.condense(s.question, s.history)
            except ScarbotError:
                standalone = None
        if standalone:
            s.standalone = standalone
        else:
            rw = understand(self.index.analyzer, s.question, s.history, window=self.settings.history_turns,
                            parser=self.parser)
            s.clarify = rw.clarify and self.llm_answerer is None
            s.standalone = s.question if rw.clarify and not s.clarify else rw.text
        s.timings["condense"] = s.timings.get("condense", 0.0) + (time.perf_counter() - t) * 1000
        return s

    def _retrieve(self, s: Turn) -> Turn:
        t = time.perf_counter()
        from scarbot.nlp import normalize

        if s.query is None or s.query.text != normalize(s.standalone):  # parsed once when ``_parts`` already did
            s.query = self.parser.parse(s.standalone)
        searched = s.query.paraphrased or s.standalone  # "downpayment" searched as the article's "deposit"
        if s.query.excluded_entities:  # "apart from fillers, which ...?": search without the thing set aside
            from scarbot.query import without_exclusions
            searched = without_exclusions(s.standalone) or s.standalone
        s.hits, s.qvec = self.retriever.search(searched, s.query, max(s.k, 6))
        if s.query.asking:  # a long message: the question on its own finds what the story around it hides
            framed = self.parser.parse(s.query.asking)
            asked, s.fvec = self.retriever.search(framed.paraphrased or s.query.asking, framed, max(s.k, 6))
            seen = {h.index for h in s.hits}
            s.hits = [*s.hits, *(h for h in asked if h.index not in seen)]
        s.timings["retrieve"] = s.timings.get("retrieve", 0.0) + (time.perf_counter() - t) * 1000
        return s

    def _answer(self, s: Turn) -> Turn:
        t = time.perf_counter()
        if s.clarify:  # an ambiguous reference: the reply is the dialogue's question listing the candidates
            from scarbot.answer import Draft

            s.draft = Draft(strategy="clarify", steps=["dialogue: ambiguous reference"]).add(s.standalone)
        else:
            s.draft = self.answerer.answer(s.query, s.hits, s.qvec, s.fvec)
        s.timings["answer"] = s.timings.get("answer", 0.0) + (time.perf_counter() - t) * 1000
        return s

    def _cite(self, s: Turn) -> Answer:
        """Number the cited chunks; drop any sentence whose quote is not in its chunk or whose figures
        are not in its quote (computed figures are checked against every quote of the draft)."""
        from scarbot.nlp import normalize
        from scarbot.text import figures, figures_supported

        t_cite = time.perf_counter()
        draft = s.draft
        numbers: dict[tuple[str, str], int] = {}  # one citation per quoted span, so each [n] shows its own quote
        citations: list[Citation] = []
        sentences: list[str] = []
        all_quotes = " ".join(p.quote for p in draft.parts if p.chunk_id)
        for part in draft.parts:
            text = part.text.strip().rstrip(".")
            if part.derived:
                support = f"{all_quotes} {' '.join(part.derived)}"
                if not figures_supported(text, support):
                    continue
            if part.chunk_id:  # a part with an empty id cites nothing (never a KeyError)
                at = self.index.by_id[part.chunk_id]
                chunk = self.index.chunks[at]
                quote_ok = normalize(part.quote) in self.index.chunk_normal[at]
                if not (quote_ok and (part.derived or figures_supported(text, part.quote))):
                    continue  # never state a figure the cited source does not hold
                key = (part.chunk_id, part.quote)
                if key not in numbers:
                    numbers[key] = len(numbers) + 1
                    citations.append(Citation(numbers[key], part.chunk_id, chunk.section,
                                              part.quote, chunk.source))
                text = f"{text} [{numbers[key]}]"
            elif figures(text) and not part.derived and not draft.abstained:
                continue
            sentences.append(text if text.endswith((":", "?")) else text + ".")
        if not sentences:
            sentences = ["The article does not cover that, so I can't answer it from the article."]
            draft.abstained = True
        contexts = self._contexts(s.hits, list(dict.fromkeys(c.chunk_id for c in citations)), s.k)
        s.timings["cite"] = s.timings.get("cite", 0.0) + (time.perf_counter() - t_cite) * 1000
        return Answer(_join(sentences), citations, contexts, draft.abstained, s.standalone,
                      _closed_timings(s), list(draft.prices),
                      strategy=draft.strategy, steps=list(draft.steps))

    def _contexts(self, hits, cited: list[str], k: int) -> list[Context]:
        """Cited chunks first (structured look-ups land here), then the hybrid hits, k in all."""
        idx = self.index
        out: list[Context] = []
        seen: set[str] = set()
        scores = {idx.chunks[h.index].id: h.score for h in hits}
        for cid in cited:
            c = idx.chunks[idx.by_id[cid]]
            out.append(Context(cid, c.section, c.text, round(scores.get(cid, 1.0), 6), c.source, c.kind))
            seen.add(cid)
        for h in hits:
            if len(out) >= max(k, len(cited)):
                break
            if idx.chunks[h.index].id not in seen:
                out.append(idx.context(h))
        return out

    def _llm_answer(self, s: Turn) -> Turn:
        """LLM mode: the model writes, its [n] are parsed back; nothing valid → the grounded draft."""
        from scarbot.answer import Draft
        from scarbot.llm import parse_citations
        from scarbot.text import figures, figures_supported

        t = time.perf_counter()
        contexts = [self.index.context(h) for h in s.hits[: s.k]]
        grounded = self.answerer.answer(s.query, s.hits, s.qvec, s.fvec)
        if grounded.abstained:
            s.draft = grounded
        else:
            raw = s.llm_text or self.llm_answerer.answer(s.standalone, contexts, s.history)
            text, valid = parse_citations(raw, len(contexts))
            if not valid:
                s.draft = grounded
            else:
                d = Draft(strategy="llm", prices=grounded.prices, steps=[*grounded.steps, "llm: answered"])
                for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
                    nums = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
                    clean = re.sub(r"\s*\[\d+\]", "", sentence).strip()
                    if not clean:
                        continue
                    if nums:
                        ctx = contexts[nums[0] - 1]
                        if claim_supported(clean, ctx.text, self.parser.generic):
                            d.add(clean, ctx.chunk_id, self._best_quote(ctx.chunk_id, clean))
                        else:
                            d.steps.append("llm: unsupported sentence dropped")
                    elif claim_supported(clean, "", self.parser.generic):
                        d.add(clean)  # a sentence that claims nothing ("Hope this helps.")
                # one unsupported figure and the model's text is not shown at all: the grounded draft is
                ok = d.parts and all(p.chunk_id is None and not figures(p.text)
                                     or p.chunk_id is not None and figures_supported(p.text, p.quote)
                                     for p in d.parts) and any(p.chunk_id for p in d.parts)
                s.draft = d if ok else grounded
        s.timings["answer"] = (time.perf_counter() - t) * 1000
        return s

    def _best_quote(self, chunk_id: str, sentence: str) -> str:
        from scarbot.nlp import content_words
        from scarbot.text import figures_supported

        words = set(content_words(sentence))
        chunk_text = self.index.chunks[self.index.by_id[chunk_id]].text
        units = [self.index.units[i] for i in self.index.units_by_chunk.get(chunk_id, [])]
        if not units:
            return chunk_text
        best = max(units, key=lambda u: len(words & set(content_words(u.text))))
        # a figure the model wrote must be in the quote, so quote the whole chunk when one unit lacks it
        return best.text if figures_supported(sentence, best.text) else chunk_text

    def chain(self):
        """The flow as a LangChain runnable: a ``Turn`` (see ``_state``) → Answer."""
        if self._chain is None:
            from langchain_core.runnables import RunnableLambda

            self.load()
            if self.llm_answerer is not None:
                self._chain = (RunnableLambda(self._condense, name="condense")
                               | RunnableLambda(self._retrieve, name="retrieve")
                               | RunnableLambda(self._llm_answer, name="answer")
                               | RunnableLambda(self._cite, name="cite"))
            else:  # each question of the message runs condense → retrieve → answer, then one cite step
                self._chain = (RunnableLambda(self._parts, name="condense_retrieve_answer")
                               | RunnableLambda(self._cite, name="cite"))
        return self._chain

    # ------------------------------------------------------------------ public API
    def _state(self, question: Any, history: Any, k: int | None) -> Turn:
        t0 = time.perf_counter()
        q, hist = self._guard(question, history, k)
        t_load = time.perf_counter()
        self.load()  # instant once loaded; a cold process spends most of its first answer here
        return Turn(question=q, history=hist, k=k or self.settings.top_k, t0=t0,
                    timings={"load": (time.perf_counter() - t_load) * 1000})

    def _grounded(self, s: Turn) -> Answer:
        """The default answerer: the same steps as ``chain()``, called directly.

        "Which clinic is in <district> and what does it offer?" is answered part by part, each part
        seeing the earlier ones as history, so "it" resolves to the clinic found first.
        """
        return self._cite(self._parts(s))

    def _parts(self, s: Turn) -> Turn:
        """Condense → retrieve → answer for each question in the message, drafts merged in order.

        A part the article cannot answer keeps its sentence saying so: no part is dropped silently.
        """
        from scarbot.answer import Draft
        from scarbot.answer.router import ADVICE
        from scarbot.dialogue import (
            Reader,
            by_attribute,
            contrasted,
            named_after,
            split_label,
            split_question,
            which_answered,
        )
        from scarbot.text import figures

        body = split_label(self.index.analyzer, s.question)[1]  # "Ticket 3: ..." asks what follows the label
        lead = s.question[: len(s.question) - len(body)]  # kept on each part: the dialogue reads it as a thread
        parts = [lead + p for p in dict.fromkeys(split_question(body))]  # a question repeated is answered once
        if len(parts) == 1:
            s = self._condense(s)
            s.query = None if s.clarify else self.parser.parse(s.standalone)
            parts = [] if s.clarify else (contrasted(Reader(self.index.analyzer, self.parser), s.standalone, s.query)
                                          or by_attribute(s.standalone, s.query))  # "X: downtime and cost?"
            if not parts:  # one question, not a comparison of treatments nor several attributes of one
                return self._answer(self._retrieve(s))
        skipped = parts[MAX_PARTS:]
        reader = Reader(self.index.analyzer, self.parser)
        parts = named_after(reader, parts[:MAX_PARTS])
        history = list(s.history)
        subs: list[Turn] = []
        while parts:
            part = parts.pop(0)
            sub = self._condense(replace(s, question=part, history=history, timings={}))
            if lead and sub.standalone.startswith(lead):  # the label asks nothing: answered without it
                sub.standalone = sub.standalone[len(lead):].lstrip(" :")
            sub.query = None if sub.clarify else self.parser.parse(sub.standalone)
            each = [] if sub.clarify or len(subs) + len(parts) >= MAX_PARTS else \
                (contrasted(reader, sub.standalone, sub.query)  # "... and what share is each?": one per name
                 or by_attribute(sub.standalone, sub.query))
            if each:
                parts[:0] = each[: MAX_PARTS - len(subs) - len(parts)]
                continue
            sub = self._answer(self._retrieve(sub))
            subs.append(sub)
            if parts and not sub.draft.abstained:
                parts[0] = which_answered(reader, part, sub.draft.text, parts[0])
            for key, ms in sub.timings.items():
                s.timings[key] = s.timings.get(key, 0.0) + ms
            history = [*history, {"role": "user", "content": part},
                       {"role": "assistant", "content": sub.draft.text}][-self.settings.history_turns:]
        merged = Draft(abstained=all(x.draft.abstained for x in subs), strategy="compose",
                       steps=[f"part {i + 1}: {x.draft.strategy}" for i, x in enumerate(subs)])
        for x in subs:
            if x.draft.abstained and not merged.abstained:
                # the part the article cannot answer is named, in figure-free words: nothing is dropped silently
                said = " ".join(p.text.rstrip(".") + "." for p in x.draft.parts if not figures(p.text))
                merged.add(f'On "{x.question.rstrip("?")}?": {said or "the article does not answer that."}')
                continue
            for p in x.draft.parts:
                if p.text != ADVICE and all(p.text != m.text for m in merged.parts):
                    merged.parts.append(p)
            merged.prices.extend(x.draft.prices)
        if skipped:
            merged.add(f"I answered the first {MAX_PARTS} questions of your message; please ask the other "
                       f"{len(skipped)} separately")
        if any(p.text == ADVICE for x in subs for p in x.draft.parts):
            merged.add(ADVICE)  # the pointer to a dermatologist once, at the end
        seen, hits = set(), []
        for rank in range(max(len(x.hits) for x in subs)):
            for x in subs:
                if rank < len(x.hits) and x.hits[rank].index not in seen:
                    seen.add(x.hits[rank].index)
                    hits.append(x.hits[rank])
        s.draft, s.hits, s.standalone = merged, hits, " ".join(x.standalone for x in subs)
        s.query = subs[0].query
        return s

    def ask(self, question: str, history: list[dict] | None = None, *, k: int | None = None) -> Answer:
        s = self._state(question, history, k)
        if self.llm_answerer is None:
            # Same steps as chain(), called directly: LangChain's callback machinery costs ~1 s to
            # import in a cold CLI process, which the default answerer does not need.
            return self._grounded(s)
        return self.chain().invoke(s)

    def stream(self, question: str, history: list[dict] | None = None, *, k: int | None = None
               ) -> Iterator[Answer]:
        """Answers whose text grows; the last one is final, with citations."""
        s = self._state(question, history, k)
        if self.llm_answerer is None:
            final = self._grounded(s)
            words = final.text.split(" ")
            for i in range(1, len(words), 3):
                yield Answer(" ".join(words[:i]), [], final.contexts, final.abstained, final.standalone_question,
                             final.timings_ms, [])
            yield final
            return
        s = self._retrieve(self._condense(s))
        contexts = [self.index.context(h) for h in s.hits[: s.k]]
        buf = ""
        for delta in self.llm_answerer.stream(s.standalone, contexts, s.history):
            buf += delta
            yield Answer(buf, [], contexts, False, s.standalone, dict(s.timings), [])
        s.llm_text = buf
        yield self._cite(self._llm_answer(s))

    def retrieve(self, question: str, *, k: int | None = None) -> list[Context]:
        s = self._state(question, None, k)
        s = self._retrieve(self._condense(s))
        return [self.index.context(h) for h in s.hits[: s.k]]

    def as_retriever(self, k: int = 4):
        from scarbot.retrieval import as_langchain_retriever

        return as_langchain_retriever(self, k)
