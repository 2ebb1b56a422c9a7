#!/usr/bin/env python3
"""A third-party ActivityPub peer for checking Préau against code we did not write.

The peer is built on bovine (https://codeberg.org/bovine/bovine, MIT): bovine
signs the outgoing requests (draft-cavage HTTP signatures with a Digest
header) and verifies the incoming ones; this script only wires it together.

Run it through run.sh, which installs the pinned dependencies:

    tests/interop/run.sh --preau http://localhost:PORT --group SLUG --port PEER_PORT

Steps (the failure message names the step that failed):
  1. serve the peer's actor http://localhost:PEER_PORT/users/interop and
     verify, with bovine, the HTTP signature of every GET Préau makes of it;
  2. resolve acct:SLUG@localhost:PORT by WebFinger and fetch the Group actor;
  3. POST a Follow, signed by bovine, to the group's inbox (expects 2xx);
  4. wait for an Accept of that Follow in the peer's inbox and verify its
     HTTP signature with bovine against the group's publicKey;
  5. print "interop: ok" and exit 0, or print the failed step and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import secrets
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from urllib.parse import urldefrag, urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from bovine.activitystreams import Actor
from bovine.activitystreams.activity_factory import ActivityFactory
from bovine.clients.lookup_account import lookup_with_webfinger
from bovine.clients.signed_http import (
    SignedHttpClient,
    legacy_digest_method,
    legacy_digest_method_uppercase,
)
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.signature import Signature
from bovine.crypto.digest import validate_digest
from bovine.crypto.types import CryptographicIdentifier
from bovine.utils import check_max_offset_now, parse_gmt

AS_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
USERNAME = "interop"

log = logging.getLogger("peer")


class StepFailed(Exception):
    def __init__(self, step: int, what: str, message: str):
        super().__init__(message)
        self.step = step
        self.what = what
        self.message = message


@dataclass
class Received:
    """An inbox POST as it arrived: what bovine needs to verify it later."""

    method: str
    url: str
    headers: CIMultiDict
    body: bytes


@dataclass
class State:
    base: str  # http://localhost:PEER_PORT
    actor_id: str
    key_id: str
    public_pem: str
    private_pem: str
    actor_doc: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)  # id -> activity served by the peer
    inbox: asyncio.Queue = field(default_factory=asyncio.Queue)
    fetch_checks: list = field(default_factory=list)  # results of signed GETs of the actor
    background: set = field(default_factory=set)
    key_errors: dict = field(default_factory=dict)  # keyId -> why it could not be used
    session: aiohttp.ClientSession | None = None
    signed: SignedHttpClient | None = None


# --------------------------------------------------------------------------
# Fetching remote documents and keys


async def fetch_json(state: State, url: str, *, signed_retry: bool = True) -> dict:
    """GET url as ActivityPub JSON. If the server answers 401/403 to an
    unsigned request, retry with a bovine-signed GET (authorized fetch)."""
    headers = {"Accept": AS_JSON}
    async with state.session.get(url, headers=headers, allow_redirects=False) as resp:
        status, ctype, text = resp.status, resp.headers.get("Content-Type", ""), await resp.text()
    if status in (401, 403) and signed_retry:
        log.info("GET %s answered %s unsigned; retrying with a bovine-signed GET", url, status)
        resp = await state.signed.get(url)
        async with resp:
            status, ctype, text = resp.status, resp.headers.get("Content-Type", ""), await resp.text()
    if status != 200:
        raise ValueError(f"GET {url} answered HTTP {status}: {text[:300]!r}")
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ValueError(f"GET {url} (Content-Type {ctype!r}) is not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise ValueError(f"GET {url} is JSON but not an object")
    if "json" not in ctype:
        log.warning("GET %s answered Content-Type %r (expected %s)", url, ctype, AS_JSON)
    return doc


def find_public_key(doc: dict, key_id: str) -> dict | None:
    """The publicKey entry with id key_id in an actor document, or the
    document itself if it is the key."""
    if doc.get("id") == key_id and "publicKeyPem" in doc:
        return doc
    keys = doc.get("publicKey")
    if isinstance(keys, dict):
        keys = [keys]
    for key in keys or []:
        if isinstance(key, dict) and key.get("id") == key_id:
            return key
    return None


async def key_retriever(state: State, key_id: str) -> CryptographicIdentifier | None:
    """bovine's key_retriever: keyId -> CryptographicIdentifier (owner + key)."""
    url, _ = urldefrag(key_id)
    try:
        doc = await fetch_json(state, url)
    except Exception as e:  # noqa: BLE001 - reported to the caller
        state.key_errors[key_id] = f"could not fetch the keyId document: {e}"
        return None
    key = find_public_key(doc, key_id)
    if key is None:
        ids = doc.get("publicKey")
        state.key_errors[key_id] = (
            f"{url} has no publicKey with id {key_id!r} (publicKey is {json.dumps(ids)[:300]})"
        )
        return None
    if "owner" not in key:
        # bovine (like Mastodon) needs publicKey.owner to know whose key it is.
        state.key_errors[key_id] = f"publicKey {key_id!r} has no 'owner' (bovine requires it)"
        return None
    try:
        return CryptographicIdentifier.from_public_key(key)
    except Exception as e:  # noqa: BLE001
        state.key_errors[key_id] = f"bovine could not load publicKey {key_id!r}: {e}"
        return None


def diagnose(state: State, method: str, headers, body: bytes) -> str:
    """Why bovine refused a signature, checked again with bovine's own pieces
    (bovine itself only returns None)."""
    try:
        sig = Signature.from_signature_header(headers.get("Signature", ""))
    except Exception as e:  # noqa: BLE001
        return f"bovine cannot parse the Signature header: {e!r}"
    fields = sig.fields
    if "(request-target)" not in fields or "date" not in fields:
        return "bovine requires both (request-target) and date in the signed headers"
    missing = [f for f in fields if not f.startswith("(") and f not in headers]
    if missing:
        return f"signed header(s) {missing} are not in the request"
    if method.upper() == "POST":
        if "digest" not in fields and "content-digest" not in fields:
            return "bovine requires digest to be signed on a POST"
        if not validate_digest(headers, body):
            return f"the Digest header {headers.get('Digest')!r} does not match the body"
    try:
        if not check_max_offset_now(parse_gmt(headers["Date"])):
            return f"Date {headers['Date']!r} is more than 5 minutes from now"
    except Exception as e:  # noqa: BLE001
        return f"bovine cannot parse Date {headers.get('Date')!r} (it wants '%a, %d %b %Y %H:%M:%S GMT'): {e!r}"
    if sig.key_id in state.key_errors:
        return state.key_errors[sig.key_id]
    return f"the RSA signature does not verify against the public key of {sig.key_id!r}"


def describe_signature(headers) -> str:
    raw = headers.get("Signature")
    if raw is None:
        return "no Signature header"
    try:
        sig = Signature.from_signature_header(raw)
        return f"keyId={sig.key_id!r} algorithm={sig.algorithm!r} headers={sig.headers!r}"
    except Exception as e:  # noqa: BLE001
        return f"bovine could not parse the Signature header ({e!r}): {raw[:300]!r}"


async def verify(state: State, method: str, url: str, headers, body: bytes) -> str | None:
    """Verify an incoming request's HTTP signature with bovine. Returns the
    key owner (actor id) or None."""
    validate = build_validate_http_signature_raw(lambda key_id: key_retriever(state, key_id))

    async def get_body() -> bytes:
        return body

    return await validate(method, url, headers, get_body)


# --------------------------------------------------------------------------
# The peer's own server


def spawn(state: State, coro) -> None:
    task = asyncio.create_task(coro)
    state.background.add(task)
    task.add_done_callback(state.background.discard)


async def check_actor_fetch(state: State, method: str, url: str, headers) -> None:
    desc = describe_signature(headers)
    owner = await verify(state, method, url, headers, b"")
    if owner:
        log.info("step 1: signed GET of our actor verified by bovine: owner %s (%s)", owner, desc)
    else:
        why = diagnose(state, method, headers, b"")
        log.warning("step 1: bovine REJECTED the signed GET of our actor (%s): %s", desc, why)
    state.fetch_checks.append({"ok": bool(owner), "owner": owner, "signature": desc})


async def handle_actor(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    if "Signature" in request.headers:
        spawn(state, check_actor_fetch(state, request.method, str(request.url), CIMultiDict(request.headers)))
    else:
        log.warning("step 1: unsigned GET of our actor from %s", request.remote)
        state.fetch_checks.append({"ok": False, "owner": None, "signature": "unsigned"})
    return web.json_response(state.actor_doc, content_type=AS_JSON)


async def handle_inbox(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    body = await request.read()
    try:
        json.loads(body)
    except ValueError:
        return web.Response(status=400, text="not JSON")
    state.inbox.put_nowait(Received(request.method, str(request.url), CIMultiDict(request.headers), body))
    return web.Response(status=202)


async def handle_activity(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    activity = state.activities.get(f"{state.base}/activities/{request.match_info['name']}")
    if activity is None:
        return web.Response(status=404)
    return web.json_response(activity, content_type=AS_JSON)


async def handle_webfinger(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    host = urlsplit(state.base).netloc
    if request.query.get("resource") not in (f"acct:{USERNAME}@{host}", state.actor_id):
        return web.Response(status=404)
    return web.json_response(
        {
            "subject": f"acct:{USERNAME}@{host}",
            "links": [{"rel": "self", "type": AS_JSON, "href": state.actor_id}],
        },
        content_type="application/jrd+json",
    )


async def handle_empty_collection(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    return web.json_response(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": state.base + request.path,
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        },
        content_type=AS_JSON,
    )


def make_app(state: State) -> web.Application:
    app = web.Application()
    app["state"] = state
    app.router.add_get(f"/users/{USERNAME}", handle_actor)
    app.router.add_post(f"/users/{USERNAME}/inbox", handle_inbox)
    for name in ("outbox", "followers", "following"):
        app.router.add_get(f"/users/{USERNAME}/{name}", handle_empty_collection)
    app.router.add_get("/activities/{name}", handle_activity)
    app.router.add_get("/.well-known/webfinger", handle_webfinger)
    return app


# --------------------------------------------------------------------------
# The steps


def first_id(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("id")
    if isinstance(value, list) and len(value) == 1:
        return first_id(value[0])
    return None


def has_type(doc: dict, wanted: str) -> bool:
    t = doc.get("type")
    return t == wanted or (isinstance(t, list) and wanted in t)


async def resolve_group(state: State, preau: str, slug: str) -> dict:
    host = urlsplit(preau).netloc
    resource = f"acct:{slug}@{host}"
    wf_url = f"{preau}/.well-known/webfinger"
    try:
        async with state.session.get(wf_url, params={"resource": resource}) as resp:
            status, text = resp.status, await resp.text()
            ctype = resp.headers.get("Content-Type", "")
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        raise StepFailed(2, "WebFinger", f"GET {wf_url}?resource={resource} failed: {e!r}")
    if status != 200:
        raise StepFailed(2, "WebFinger", f"GET {wf_url}?resource={resource} answered HTTP {status}: {text[:300]!r}")
    try:
        jrd = json.loads(text)
    except ValueError as e:
        raise StepFailed(2, "WebFinger", f"answer is not JSON (Content-Type {ctype!r}): {e}")
    log.info("step 2: WebFinger %s -> %s", resource, json.dumps(jrd))
    if jrd.get("subject") != resource:
        log.warning("step 2: WebFinger subject is %r, asked for %r", jrd.get("subject"), resource)
    links = [
        link
        for link in jrd.get("links") or []
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") == AS_JSON
    ]
    if not links or not isinstance(links[0].get("href"), str):
        raise StepFailed(2, "WebFinger", f"no 'self' link of type {AS_JSON} with an href in {text[:500]!r}")
    href = links[0]["href"]

    # Cross-check with bovine's own WebFinger client (its JRD model and link choice).
    try:
        bovine_href = await lookup_with_webfinger(state.session, wf_url, {"resource": resource})
    except Exception as e:  # noqa: BLE001
        raise StepFailed(2, "WebFinger", f"bovine's WebFinger client could not read the answer: {e!r}")
    if bovine_href != href:
        raise StepFailed(2, "WebFinger", f"bovine's WebFinger client picked {bovine_href!r}, not the self link {href!r}")

    try:
        async with state.session.get(href, headers={"Accept": AS_JSON}, allow_redirects=False) as resp:
            status, text = resp.status, await resp.text()
            ctype = resp.headers.get("Content-Type", "")
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        raise StepFailed(2, "Group actor", f"GET {href} failed: {e!r}")
    if status != 200:
        raise StepFailed(2, "Group actor", f"GET {href} (Accept: {AS_JSON}) answered HTTP {status}: {text[:300]!r}")
    if not (ctype.startswith(AS_JSON) or ctype.startswith("application/ld+json")):
        raise StepFailed(2, "Group actor", f"GET {href} answered Content-Type {ctype!r}, expected {AS_JSON}")
    try:
        group = json.loads(text)
    except ValueError as e:
        raise StepFailed(2, "Group actor", f"GET {href} is not JSON: {e}")
    if not isinstance(group, dict) or not has_type(group, "Group"):
        raise StepFailed(2, "Group actor", f"{href} is not a Group: type is {group.get('type') if isinstance(group, dict) else group!r}")
    if not isinstance(group.get("inbox"), str):
        raise StepFailed(2, "Group actor", f"{href} has no inbox (inbox is {group.get('inbox')!r})")
    if group.get("id") != href:
        raise StepFailed(2, "Group actor", f"{href} answered a document whose id is {group.get('id')!r}")
    log.info("step 2: group %s (type %s), inbox %s, publicKey id %s", group["id"], group.get("type"),
             group["inbox"], first_id(group.get("publicKey")))
    return group


async def send_follow(state: State, group: dict) -> dict:
    follow_id = f"{state.base}/activities/follow-{secrets.token_hex(8)}"
    follow = ActivityFactory(state.actor_doc).follow(group["id"], id=follow_id).build()
    state.activities[follow_id] = follow
    body = json.dumps(follow)
    try:
        resp = await state.signed.post(group["inbox"], body, content_type=AS_JSON)
        async with resp:
            status, text = resp.status, await resp.text()
            sent = resp.request_info.headers
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        raise StepFailed(3, "Follow", f"POST {group['inbox']} failed: {e!r}")
    log.info("step 3: POST Follow %s -> HTTP %s; sent Signature: %s; Digest: %s",
             follow_id, status, sent.get("Signature"), sent.get("Digest"))
    if not 200 <= status < 300:
        raise StepFailed(3, "Follow", f"POST of the signed Follow to {group['inbox']} answered HTTP {status}: {text[:500]!r}")
    return follow


def accept_matches(activity: dict, follow: dict) -> bool:
    obj = activity.get("object")
    if isinstance(obj, list) and len(obj) == 1:
        obj = obj[0]
    if isinstance(obj, str):
        return obj == follow["id"]
    if isinstance(obj, dict):
        if obj.get("id") is not None:
            return obj["id"] == follow["id"]
        # An embedded Follow without id: match it by its content.
        return (
            has_type(obj, "Follow")
            and first_id(obj.get("actor")) == follow["actor"]
            and first_id(obj.get("object")) == follow["object"]
        )
    return False


async def await_accept(state: State, group: dict, follow: dict, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise StepFailed(
                4, "Accept",
                f"no Accept of {follow['id']} arrived in {timeout:g} s "
                f"(inbox got {len(seen)} other POST(s): {seen[:5]})",
            )
        try:
            got: Received = await asyncio.wait_for(state.inbox.get(), remaining)
        except asyncio.TimeoutError:
            continue
        activity = json.loads(got.body)
        kind = activity.get("type") if isinstance(activity, dict) else None
        log.info("step 4: inbox got %s: %s", kind, got.body[:500].decode("utf-8", "replace"))
        if not isinstance(activity, dict) or not has_type(activity, "Accept") or not accept_matches(activity, follow):
            seen.append(kind)
            continue

        if first_id(activity.get("actor")) != group["id"]:
            raise StepFailed(4, "Accept", f"the Accept's actor is {activity.get('actor')!r}, not the group {group['id']!r}")

        desc = describe_signature(got.headers)
        log.info("step 4: Accept Content-Type %r, Digest %r, Signature %s",
                 got.headers.get("Content-Type"), got.headers.get("Digest"), desc)
        owner = await verify(state, got.method, got.url, got.headers, got.body)
        if owner is None:
            why = diagnose(state, got.method, got.headers, got.body)
            raise StepFailed(4, "Accept signature", f"bovine rejected the HTTP signature of the Accept ({desc}): {why}")
        if owner != group["id"]:
            raise StepFailed(4, "Accept signature", f"the Accept is signed by a key of {owner!r}, not of the group {group['id']!r}")
        log.info("step 4: bovine verified the Accept's signature: signed by %s", owner)
        return activity


def check_article(article, group: dict, where: str) -> None:
    if not isinstance(article, dict) or not has_type(article, "Article"):
        raise StepFailed(5, where, f"expected an embedded Article, got {str(article)[:300]}")
    for field in ("id", "name", "content", "attributedTo", "published", "url", "summary"):
        if not article.get(field):
            raise StepFailed(5, where, f"the Article has no {field}: {article}")
    if first_id(article.get("audience")) != group["id"]:
        raise StepFailed(5, where, f"the Article's audience is {article.get('audience')!r}, not the group")
    if urlsplit(article["id"]).netloc != urlsplit(group["id"]).netloc:
        raise StepFailed(5, where, f"the Article {article['id']} is not on the group's instance")


async def await_announcement(state: State, group: dict, timeout: float) -> None:
    """Step 5: the group relays a publication as Announce(Create(Article))
    (FEP-1b12) and as Announce(Article) (what Mastodon reads), both signed
    by the group."""
    deadline = time.monotonic() + timeout
    wanted = {"Create", "Article"}
    while wanted:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise StepFailed(5, "Announce", f"still waiting for Announce of {sorted(wanted)} after {timeout:g} s")
        try:
            got: Received = await asyncio.wait_for(state.inbox.get(), remaining)
        except asyncio.TimeoutError:
            continue
        activity = json.loads(got.body)
        if not isinstance(activity, dict) or not has_type(activity, "Announce"):
            continue
        owner = await verify(state, got.method, got.url, got.headers, got.body)
        if owner != group["id"]:
            raise StepFailed(5, "Announce signature", f"bovine verified the Announce as signed by {owner!r}, not the group")
        if first_id(activity.get("actor")) != group["id"]:
            raise StepFailed(5, "Announce", f"the Announce's actor is {activity.get('actor')!r}")
        inner = activity.get("object")
        if isinstance(inner, dict) and has_type(inner, "Create"):
            check_article(inner.get("object"), group, "Announce(Create(Article))")
            if first_id(inner.get("actor")) != first_id(inner["object"].get("attributedTo")):
                raise StepFailed(5, "Create", "the Create's actor is not the Article's author")
            wanted.discard("Create")
        elif isinstance(inner, dict) and has_type(inner, "Article"):
            check_article(inner, group, "Announce(Article)")
            wanted.discard("Article")
        log.info("step 5: bovine verified a signed Announce of %s: %s", inner.get("type") if isinstance(inner, dict) else inner,
                 (inner.get("object") or inner).get("name") if isinstance(inner, dict) else "")


async def run(args) -> int:
    base = f"http://localhost:{args.port}"
    actor_id = f"{base}/users/{USERNAME}"
    public_pem, private_pem = generate_rsa_public_private_key()  # RSA-2048
    state = State(base=base, actor_id=actor_id, key_id=f"{actor_id}#main-key",
                  public_pem=public_pem, private_pem=private_pem)
    state.actor_doc = Actor(
        id=actor_id,
        type="Person",
        name="Interop peer (bovine)",
        preferred_username=USERNAME,
        inbox=f"{actor_id}/inbox",
        outbox=f"{actor_id}/outbox",
        followers=f"{actor_id}/followers",
        following=f"{actor_id}/following",
        public_key=public_pem,
        public_key_name="main-key",
    ).build()

    preau = args.preau.rstrip("/")
    runner = web.AppRunner(make_app(state), access_log_format='%a "%r" %s')
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, "127.0.0.1", args.port).start()
        except OSError as e:
            raise StepFailed(1, "serve actor", f"cannot listen on 127.0.0.1:{args.port}: {e}")
        log.info("step 1: serving %s on 127.0.0.1:%s", actor_id, args.port)

        digest = legacy_digest_method_uppercase if args.digest_prefix == "SHA-256" else legacy_digest_method
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            state.session = session
            state.signed = SignedHttpClient(session, state.key_id, private_pem, digest_method=digest)

            group = await resolve_group(state, preau, args.group)
            follow = await send_follow(state, group)
            await await_accept(state, group, follow, args.timeout)
            if args.followed_file:
                # Tells check.sh to publish; the announcement must then arrive.
                with open(args.followed_file, "w") as marker:
                    marker.write(follow["id"])
                await await_announcement(state, group, args.timeout)

            if state.background:
                await asyncio.wait(state.background, timeout=10)
            verified = [c for c in state.fetch_checks if c["ok"]]
            log.info("step 1: Préau fetched our actor %d time(s), %d with a signature bovine verified",
                     len(state.fetch_checks), len(verified))
            if args.require_signed_fetch:
                if not state.fetch_checks:
                    raise StepFailed(1, "signed GET of our actor", "Préau never fetched our actor")
                bad = [c for c in state.fetch_checks if not c["ok"]]
                if bad:
                    raise StepFailed(1, "signed GET of our actor", f"bovine did not verify {len(bad)} GET(s) of our actor: {bad}")
    finally:
        for task in list(state.background):
            task.cancel()
        await runner.cleanup()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preau", required=True, help="Préau's base URL, e.g. http://localhost:8080")
    parser.add_argument("--group", required=True, help="the group's slug (acct:SLUG@host)")
    parser.add_argument("--port", required=True, type=int, help="port the peer listens on (127.0.0.1)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the Accept (20)")
    parser.add_argument("--digest-prefix", choices=("sha-256", "SHA-256"), default="sha-256",
                        help="algorithm name in the Digest header; bovine's default is sha-256")
    parser.add_argument("--require-signed-fetch", action="store_true",
                        help="also fail unless every GET of our actor carried a signature bovine verified")
    parser.add_argument("--followed-file",
                        help="after the Accept, write the Follow's id to this file and wait for an announcement")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (bovine included)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)
    log.info("bovine %s, aiohttp %s, cryptography %s", version("bovine"), version("aiohttp"), version("cryptography"))

    try:
        asyncio.run(run(args))
    except StepFailed as e:
        print(f"interop: FAILED at step {e.step} ({e.what}): {e.message}", file=sys.stderr)
        print(f"interop: failed (step {e.step}: {e.what})")
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - a bug here or an unexpected answer
        logging.getLogger("peer").exception("unexpected error")
        print(f"interop: FAILED (unexpected error): {e!r}", file=sys.stderr)
        print("interop: failed (unexpected error)")
        return 1
    print("interop: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
