"""Fetching an article to check (`painlit check https://...`).

The page is asked for through the shared HTTP layer (`painlit.online.http`): the same timeouts,
retries, size cap, cache and errors as the other online commands. Only `http` and `https`
addresses without credentials are fetched; the contact e-mail is never sent to a web site; an
answer that is not a web page or text (an image, a PDF, JSON) is refused before anything is
parsed or cached.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from painlit.errors import ServiceError
from painlit.online.http import Http, Service

#: Content types read as an article.
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown")


def is_address(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def article_service(address: str) -> tuple[Service, str]:
    """The service (the site) and the path to ask it for."""
    parts = urlsplit(address.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError(f"'{address}' is not a web address",
                           hint="give an https:// address, or save the page and give the file")
    if parts.username or parts.password:
        raise ServiceError("the address holds a user name or password; painlit does not send "
                           "credentials to a web site", hint="save the page and give the file")
    base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    service = Service(
        name=parts.hostname, key="articles", base_url=base, interval=1.0,
        hint="check the address and the connection, or save the page and give the file",
        rate_hint="wait a few minutes, or save the page and give the file",
        accept="text/html, application/xhtml+xml, text/plain;q=0.9, text/markdown;q=0.9",
        contact=False)
    return service, path


def fetch_article(http: Http, address: str) -> tuple[bytes, str]:
    """The page's bytes and its content type (cached for a day once accepted)."""
    service, path = article_service(address)
    kind, body = http.get_bytes(service, path)
    media = kind.split(";")[0].strip().lower()
    if media and media not in PAGE_TYPES:
        raise ServiceError(f"{service.name} answered with {media or 'no content type'}, not a "
                           "web page or text",
                           hint="painlit checks articles as HTML, Markdown or plain text")
    http.keep(service, path, kind, body)
    return body, media
