"""``tap-brightpearl-login``: the first OAuth tokens of a Brightpearl instance app.

An instance app's tokens come from the authorization-code grant: the account's admin approves
the app in a browser at ``https://oauth.brightpearl.com/authorize/{account}``, Brightpearl
redirects to the app's registered redirect URI with a one-time ``code``, and the code is
exchanged at the token endpoint. This command does the tap's side: it prints (or opens) the
authorize URL, takes the redirect on a one-shot 127.0.0.1 listener (when the redirect URI is
``http://127.0.0.1:<port>/...``) or as a pasted URL, checks ``state``, exchanges the code and
writes the tokens to the ``--config`` file (atomic, 0600) or prints ``meltano config set`` lines.
It also seeds the tap's token store, so the first run starts from exactly these tokens. This
module is the dialogue (settings, listener, paste, output); the grant itself is login_grant.py.

Settings come from ``TAP_BRIGHTPEARL_<SETTING>`` variables (what Meltano exports to a plugin
command), then the ``--config`` file, then the flags. Human text goes to stderr; stdout carries
only the ``meltano`` lines. No secret (token, code, client secret) is ever printed.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import secrets
import shlex
import sys
import tempfile
import time
import typing as t
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

from tap_brightpearl.login_grant import (
    Login,
    LoginError,
    code_from,
    config_updates,
    exchange,
    seed_store,
)
from tap_brightpearl.settings import Settings
from tap_brightpearl.token_store import write_private_json

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

ENV_PREFIX = "TAP_BRIGHTPEARL_"
PLUGIN = "tap-brightpearl"
SECRET_KEYS = ("oauth_access_token", "oauth_refresh_token")


def read_settings(config: Path | None, environ: Mapping[str, str]) -> dict[str, t.Any]:
    """``TAP_BRIGHTPEARL_*`` variables overlaid by the ``--config`` file (when it exists)."""
    found: dict[str, t.Any] = {
        name[len(ENV_PREFIX) :].lower(): value
        for name, value in environ.items()
        if name.startswith(ENV_PREFIX) and value != ""
    }
    if config is not None and config.exists():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"cannot read the config file {config} ({type(exc).__name__})"
            raise LoginError(msg) from None
        if not isinstance(data, dict):
            msg = f"the config file {config} is not a JSON object"
            raise LoginError(msg)
        found.update({k: v for k, v in data.items() if v not in (None, "")})
    return found


def make_login(args: argparse.Namespace, settings: Settings) -> Login:
    """The sign-in the flags and settings ask for; a missing value is named."""
    account = args.account or settings.account
    client_id = args.app_ref or settings.app_ref
    redirect_uri = args.redirect_uri or settings.oauth_redirect_uri
    for value, name, flag in (
        (account, "account_code", "--account"),
        (client_id, "app_ref", "--app-ref"),
        (redirect_uri, "oauth_redirect_uri", "--redirect-uri"),
    ):
        if not value:
            msg = f"{name} is not set (the setting, or {flag})"
            raise LoginError(msg)
    if args.oauth_url:
        base = args.oauth_url.rstrip("/")
        authorize, token = f"{base}/authorize/{{account}}", f"{base}/token/{{account}}"
    else:
        authorize, token = settings.oauth_authorize_url, settings.oauth_token_url
    return Login(
        account=str(account),
        client_id=str(client_id),
        client_secret=settings.oauth_client_secret,
        redirect_uri=str(redirect_uri),
        authorize_url=authorize.replace("{account}", str(account)),
        token_url_template=token,
        state=secrets.token_urlsafe(24),
    )


def listener_address(redirect_uri: str) -> tuple[str, int] | None:
    """(host, port) to listen on when the redirect URI is ``http://127.0.0.1:<port>/...``."""
    parts = urlsplit(redirect_uri)
    if parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port:
        return "127.0.0.1", parts.port
    return None


class _Redirect(http.server.BaseHTTPRequestHandler):
    """Takes the one redirect to the listener's path; anything else is a 404."""

    server: _OneShot

    def do_GET(self) -> None:
        """Keep the redirect's URL and tell the browser it can close the tab."""
        if urlsplit(self.path).path != self.server.expected_path:
            self.send_error(404)
            return
        self.server.received = self.path
        body = b"<p>tap-brightpearl: sign-in received. You can close this tab.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: t.Any) -> None:
        """Silent: the request line holds the code."""


class _OneShot(http.server.HTTPServer):
    def __init__(self, address: tuple[str, int], path: str) -> None:
        self.expected_path = path
        self.received: str | None = None
        try:
            super().__init__(address, _Redirect)
        except OSError as exc:
            msg = f"cannot listen on {address[0]}:{address[1]} for the redirect ({exc.strerror})"
            raise LoginError(msg) from None


def wait_for_redirect(server: _OneShot, redirect_uri: str, timeout: float) -> str:
    """The redirect's full URL, once it reached the listener (within ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    server.timeout = 1.0
    with server:
        while server.received is None:
            if time.monotonic() >= deadline:
                msg = f"no redirect reached {redirect_uri} within {timeout:g} s"
                raise LoginError(msg)
            server.handle_request()
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}{server.received}"


def write_config(path: Path, updates: Mapping[str, t.Any]) -> None:
    """Merge ``updates`` into the config file atomically, owner-only (0600)."""
    current: dict[str, t.Any] = {}
    if path.exists():
        current = json.loads(path.read_text(encoding="utf-8"))
    write_private_json(path, {**current, **updates})


def meltano_lines(updates: Mapping[str, t.Any], secret_dir: Path) -> list[str]:
    """``meltano config set`` lines; secrets are read from 0600 files, never printed."""
    lines = []
    for key, value in updates.items():
        if key in SECRET_KEYS:
            file = secret_dir / key
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(str(value))
            lines.append(f"meltano config set {PLUGIN} {key} --from-file {shlex.quote(str(file))}")
        else:
            lines.append(f"meltano config set {PLUGIN} {key} {shlex.quote(str(value))}")
    lines.append(f"rm -r {shlex.quote(str(secret_dir))}")
    return lines


def parser() -> argparse.ArgumentParser:
    """The command line."""
    summary = __doc__.split("\n")[0].replace("``", "")  # plain text, not reST
    p = argparse.ArgumentParser(prog="tap-brightpearl-login", description=summary)
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings to read; the tokens are written here (0600) unless --print-meltano",
    )
    p.add_argument(
        "--print-meltano",
        action="store_true",
        help="print 'meltano config set' lines instead of writing --config",
    )
    p.add_argument("--account", help="account code (default: account_code setting)")
    p.add_argument("--app-ref", help="app reference = OAuth client_id (default: app_ref)")
    p.add_argument(
        "--redirect-uri", help="the app's registered redirect URI (default: oauth_redirect_uri)"
    )
    p.add_argument(
        "--oauth-url",
        metavar="BASE",
        help="OAuth host for authorize and token, "
        "e.g. the sandbox's http://127.0.0.1:8734 (overrides oauth_authorize_url "
        "and oauth_token_url)",
    )
    p.add_argument("--open", action="store_true", help="open the authorize URL in a browser")
    p.add_argument(
        "--paste",
        action="store_true",
        help="read the redirect URL from stdin even for a 127.0.0.1 redirect URI",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long the listener waits for the redirect (default 300)",
    )
    return p


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> list[str]:
    """Sign in; the lines for stdout (``meltano`` lines, or none)."""
    if args.config is None and not args.print_meltano:
        msg = "give --config FILE to write the tokens to, or --print-meltano"
        raise LoginError(msg)
    settings = Settings.of(read_settings(args.config, environ))
    login = make_login(args, settings)
    address = None if args.paste else listener_address(login.redirect_uri)
    server = _OneShot(address, urlsplit(login.redirect_uri).path or "/") if address else None
    say(f"Open this URL and approve the app for account {login.account}:")
    say(login.browser_url())
    if args.open:
        webbrowser.open(login.browser_url())
    if server is not None:
        say(f"Waiting for Brightpearl's redirect on {login.redirect_uri} ...")
        redirect = wait_for_redirect(server, login.redirect_uri, args.timeout)
    else:
        say("Then paste the whole URL the browser was sent to (it holds ?code=...):")
        redirect = sys.stdin.readline()
        if not redirect.strip():
            msg = "no redirect URL was pasted"
            raise LoginError(msg)
    body = exchange(login, code_from(redirect, login.state))
    now = time.time()
    updates = config_updates(login, body, now)
    try:
        store: Path | None = seed_store(settings, login, body, now)
        seeded = f"the token store {store}"
    except OSError as exc:
        store, seeded = None, f"not the token store ({type(exc).__name__}; see oauth_token_store)"
    if args.print_meltano:
        secret_dir = Path(
            tempfile.mkdtemp(prefix="tap-brightpearl-login-", dir=store.parent if store else None)
        )
        say(
            f"Signed in ({seeded} seeded). Run these lines; the tokens wait in {secret_dir} "
            "(owner-only) for them:"
        )
        return meltano_lines(updates, secret_dir)
    assert args.config is not None
    try:
        write_config(args.config, updates)
    except (OSError, ValueError) as exc:
        msg = f"cannot write the config file {args.config} ({type(exc).__name__})"
        raise LoginError(msg) from None
    say(f"Signed in. Tokens written to {args.config} (mode 0600) and {seeded}.")
    return []


def say(line: str) -> None:
    """One line for the person signing in (stderr, so stdout stays machine-readable)."""
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tap-brightpearl-login``."""
    args = parser().parse_args(argv)
    try:
        lines = run(args, os.environ)
    except LoginError as exc:
        print(f"tap-brightpearl-login: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tap-brightpearl-login: interrupted", file=sys.stderr)
        return 130
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
