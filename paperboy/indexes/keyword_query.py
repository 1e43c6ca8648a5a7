"""From a ParsedQuery and SearchFilters to a tantivy query, built with the Query API only.

No user text ever reaches tantivy's query parser: every word is analysed the way the index
analysed its fields and becomes a term, phrase, fuzzy or range query, so `"`, `(`, `NEAR`, `*`,
`:` and SQL or LaTeX fragments are only words (or nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import tantivy
from tantivy import FieldType, Filter, Occur, Query, TextAnalyzerBuilder, Tokenizer

from paperboy.domain.search import ParsedQuery, SearchFilters

STEMMED = "en_stem"  # tantivy's built-in: simple, remove_long(40), lowercase, stemmer
TITLE_BOOST = 0.5
"""Weight of the title field's BM25 score, added to the abstract's. The title is its own field,
normalised by its own short average length, so even at half weight a title match counts on top
of the same words in the abstract (and exact titles are pinned first by the search service).
On SciFact train (bench/search_quality.py grid) 0.5 was best: keyword nDCG@10 0.685 (1.0: 0.664,
2.0: 0.613), hybrid 0.7215 (1.0: 0.714)."""
FUZZY_BOOST = 0.3
FUZZY_MIN_CHARS = 5
FUZZY_MAX_DOC_FREQ = 3
"""Typo tolerance only for words (almost) absent from the index: a known word needs no rescue,
and every fuzzy clause costs a walk of the term dictionary."""
# Lucene's English stop words: near-zero BM25 weight, yet the longest posting lists to merge.
# fmt: off
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
})
# fmt: on
_Clause = tuple[Occur, Query]


def stemming_analyzer() -> tantivy.TextAnalyzer:
    """tantivy's `en_stem` rebuilt, to analyse query words exactly as titles and abstracts were."""
    builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40))
    return builder.filter(Filter.lowercase()).filter(Filter.stemmer("english")).build()


def _plain_analyzer() -> tantivy.TextAnalyzer:
    """The same steps as tantivy's `default` tokenizer, which the authors field uses."""
    builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40))
    return builder.filter(Filter.lowercase()).build()


class QueryTranslator:
    """Builds tantivy queries for one schema; `searcher` supplies document frequencies."""

    def __init__(self, schema: tantivy.Schema, *, title_boost: float = TITLE_BOOST) -> None:
        self.schema = schema
        self.fields = (("title", title_boost), ("abstract", 1.0))
        self._stem = stemming_analyzer()
        self._plain = _plain_analyzer()

    def translate(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        searcher: tantivy.Searcher,
        *,
        every_term: bool,
    ) -> Query:
        """Free words as OR (or all required with `every_term`), phrases required, `-words` out.

        The OR is one flat disjunction of term queries, which tantivy answers with block-max
        WAND; nesting a group per word scores the same but was 2-3x slower on long titles.
        """
        clauses: list[_Clause] = []
        words = [w for w in (self._word(t, searcher) for t in _content_terms(query)) if w]
        if every_term:
            clauses += [(Occur.Must, _any(options)) for options in words]
        elif words:  # beside a phrase that must match, free words only rank
            disjunction = _any([option for options in words for option in options])
            clauses.append((Occur.Should if query.phrases else Occur.Must, disjunction))
        for phrase in query.phrases:
            clauses += [(Occur.Must, _any(o)) for o in [self._word(phrase, None)] if o]
        for word in query.excluded:
            clauses += [(Occur.MustNot, _any(o)) for o in [self._word(word, None)] if o]
        clauses += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in self._filters(filters)]
        if not any(occur is Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _word(self, text: str, searcher: tantivy.Searcher | None) -> list[Query]:
        """A word or phrase in any text field, title weighted up; with a searcher, near misses."""
        stemmed = self._stem.analyze(text)
        plain = self._plain.analyze(text)
        options: list[Query] = []
        if stemmed:
            for field, boost in self.fields:
                options.append(_boosted(self._sequence(field, stemmed), boost))
            if searcher is not None and self._is_unknown(text, stemmed, searcher):
                for field, boost in self.fields:
                    near = Query.fuzzy_term_query(self.schema, field, stemmed[0], 1, True)
                    options.append(Query.boost_query(near, boost * FUZZY_BOOST))
        if plain:
            options.append(self._sequence("authors", plain))
        return options

    def _is_unknown(self, text: str, stemmed: list[str], searcher: tantivy.Searcher) -> bool:
        if len(stemmed) != 1 or len(text) < FUZZY_MIN_CHARS:
            return False
        found = sum(searcher.doc_freq(field, stemmed[0]) for field, _ in self.fields)
        return found < FUZZY_MAX_DOC_FREQ

    def _sequence(self, field: str, tokens: Sequence[str]) -> Query:
        if len(tokens) == 1:
            return Query.term_query(self.schema, field, tokens[0])
        return Query.phrase_query(self.schema, field, list(tokens))

    def _filters(self, filters: SearchFilters) -> Iterator[Query]:
        if filters.published_from is not None or filters.published_to is not None:
            start = _midnight(filters.published_from)
            end = _midnight(filters.published_to, days=1)
            yield Query.range_query(
                self.schema, "published", FieldType.Date, start, end, include_upper=end is None
            )
        if filters.category:
            yield Query.term_query(self.schema, "categories", filters.category.lower())
        if filters.author:
            yield self._author(filters.author)
        for field in ("has_code", "on_daily_list"):
            value = getattr(filters, field)
            if value is not None:
                yield Query.term_query(self.schema, field, value)

    def _author(self, name: str) -> Query:
        """Each word of `name` starts a word of an author's name (`g hinton`, `Hinton`)."""
        words = self._plain.analyze(name)
        if not words:
            return Query.empty_query()
        prefixes = [
            Query.regex_query(self.schema, "authors", re.escape(word) + ".*") for word in words
        ]
        return Query.boolean_query([(Occur.Must, q) for q in prefixes])


def _content_terms(query: ParsedQuery) -> list[str]:
    """The free words less stop words, unless stop words are all there is."""
    content = [t for t in query.terms if t not in STOP_WORDS]
    return content or list(query.terms)


def _any(queries: Sequence[Query]) -> Query:
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def _boosted(query: Query, boost: float) -> Query:
    return query if boost == 1.0 else Query.boost_query(query, boost)


def _midnight(day: date | None, *, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, clock_time(), tzinfo=UTC) + timedelta(days=days)
