"""The knowledge base (知识库): what operators read out on the call, searched the way the catalogue
is (Chinese words, pinyin and initials, question words: ``catalog.search.documents.rank``), and
what departments propose from their replies for the hotline to publish."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.catalog.search.documents import Document, document, rank
from onewindow.core import audit, personal
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.tickets.models import Article, Category, Ticket

CACHE_KEY = "tickets:knowledge:v"


def _version() -> str:
    """A token that changes whenever the published articles do. A token, not a counter: a cache
    that was flushed (or evicted the key) starts a new token rather than counting again from a
    number a process may already have built its documents for."""
    token = cache.get(CACHE_KEY)
    if token is None:
        cache.add(CACHE_KEY, uuid.uuid4().hex, None)
        token = cache.get(CACHE_KEY) or ""
    return str(token)


def changed() -> None:
    """Forget the documents built for search (an article was added, published or retired)."""
    cache.set(CACHE_KEY, uuid.uuid4().hex, None)


_BUILT: dict[str, Any] = {"version": None, "documents": []}


def _documents() -> list[Document]:
    version = _version()
    if _BUILT["version"] != version:
        rows = Article.objects.filter(state=Article.State.PUBLISHED).select_related("category")
        _BUILT["documents"] = [
            document(
                a.pk,
                a.question,
                f"{a.keywords} {a.category.name} {a.category.keywords}",
                related=[a.answer[:200]],
            )
            for a in rows
        ]
        _BUILT["version"] = version
    return list(_BUILT["documents"])


def search(query: str, *, category: str = "", limit: int = 10) -> list[Article]:
    """Published articles answering ``query`` best first; with ``category`` (a code) that
    category's first when the query is empty."""
    query = (query or "").strip()[:50]
    if not query:
        articles = Article.objects.filter(state=Article.State.PUBLISHED).select_related("category")
        if category:
            articles = articles.filter(category__code=category)
        return list(articles[:limit])
    keys = [int(str(d.key)) for d in rank(query, _documents(), limit=limit * 3)]
    found = Article.objects.filter(pk__in=keys, state=Article.State.PUBLISHED).select_related(
        "category"
    )
    by_key = {a.pk: a for a in found}
    ordered = [by_key[k] for k in keys if k in by_key]
    if category:
        ordered.sort(key=lambda a: a.category.code != category)
    return ordered[:limit]


def propose(
    ticket: Ticket,
    user: Any,
    question: str,
    answer: str,
    department_id: int | None,
    request: Any = None,
) -> Article:
    """A department proposes an answer from its reply; the hotline publishes it."""
    errors = FieldErrorsCollector()
    question, answer = question.strip(), answer.strip()
    if not question or len(question) > 200 or "\x00" in question:
        errors.add("question", _("请填写问题（200字以内）。"))
    if not answer or len(answer) > 4000 or "\x00" in answer:
        errors.add("answer", _("请填写答复口径（4000字以内）。"))
    errors.raise_if_any()
    with transaction.atomic():
        article = Article.objects.create(
            category=ticket.category,
            question=personal.mask_text(question),
            answer=personal.mask_text(answer),
            state=Article.State.PROPOSED,
            department_id=department_id,
            source=ticket,
            proposed_by=user,
        )
        audit.record(
            "knowledge.propose",
            request=request,
            actor=user,
            obj=article,
            data={"ticket": ticket.pk},
        )
    return article


def publish(article: Article, user: Any, request: Any = None) -> Article:
    if article.state == Article.State.PUBLISHED:
        raise DomainError("conflict", _("该条目已发布。"), status=409)
    article.state = Article.State.PUBLISHED
    article.save(update_fields=["state", "updated_at"])
    audit.record("knowledge.publish", request=request, actor=user, obj=article, data={})
    transaction.on_commit(changed)
    return article


def categories() -> list[Category]:
    return list(Category.objects.filter(active=True))


def write(
    article: Article | None,
    user: Any,
    *,
    category: str,
    question: str,
    answer: str,
    keywords: str = "",
    request: Any = None,
) -> Article:
    """The hotline adds an article (published at once) or corrects one; every problem at once
    (422). Text is masked: an answer read out to callers holds nobody's number."""
    errors = FieldErrorsCollector()
    found = Category.objects.filter(code=str(category or "")[:40]).first()
    if found is None:
        errors.add("category", _("请选择分类。"))
    question, answer, keywords = (
        str(question or "").strip(),
        str(answer or "").strip(),
        str(keywords or "").strip(),
    )
    if not question or len(question) > 200 or "\x00" in question:
        errors.add("question", _("请填写问题（200字以内）。"))
    if not answer or len(answer) > 4000 or "\x00" in answer:
        errors.add("answer", _("请填写答复口径（4000字以内）。"))
    if len(keywords) > 200 or "\x00" in keywords:
        errors.add("keywords", _("关键词最多200字。"))
    errors.raise_if_any()
    assert found is not None
    with transaction.atomic():
        if article is None:
            article = Article(state=Article.State.PUBLISHED, proposed_by=user)
        article.category = found
        article.question, article.answer = personal.mask_text(question), personal.mask_text(answer)
        article.keywords = keywords
        article.save()
        audit.record("knowledge.write", request=request, actor=user, obj=article, data={})
        transaction.on_commit(changed)
    return article


def retire(article: Article, user: Any, request: Any = None) -> Article:
    """Take an article out of the operators' search (kept for the record)."""
    if article.state == Article.State.RETIRED:
        raise DomainError("conflict", _("该条目已停用。"), status=409)
    article.state = Article.State.RETIRED
    article.save(update_fields=["state", "updated_at"])
    audit.record("knowledge.retire", request=request, actor=user, obj=article, data={})
    transaction.on_commit(changed)
    return article
