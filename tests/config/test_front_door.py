"""The front door says what it does: the README's `make run` options, `make reset-demo` and `make
clean`, and its five-minute tour (users that exist in the demo, words that are on the pages) hold
against the Makefile, the demo data and the templates."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reship.dev.demo.parties import demo_logins

BASE_DIR = Path(__file__).resolve().parents[2]
README = (BASE_DIR / "README.md").read_text()
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def make_dry_run(*arguments: str, env_extra: dict[str, str] | None = None) -> list[str]:
    """The commands `make` would run (`-n`), the ``install`` step's left out."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **(env_extra or {})}
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_the_readme_says_how_to_serve_elsewhere_reset_the_demo_and_that_periodic_jobs_run():
    commands = section("The two commands")
    for claim in ("make run PORT=8123", "HOST=0.0.0.0", "make reset-demo", "make clean", "manage.py run_periodic"):
        assert claim in commands


@needs_make
def test_make_run_serves_on_the_port_and_every_command_writes_links_with_it():
    lines = make_dry_run("run", "PORT=8123")

    assert [line.split(" .venv/bin/python manage.py ")[-1] for line in lines] == [
        "migrate --noinput",
        "load_demo_data",
        "run_periodic & pid=$!; trap 'kill $pid 2>/dev/null' EXIT INT TERM; \\",
        "runserver 127.0.0.1:8123",
    ]
    assert all(line.startswith("SITE_URL=http://127.0.0.1:8123 ") for line in lines)


@needs_make
def test_make_run_on_every_interface_writes_links_to_this_machine_and_a_set_site_url_wins():
    assert make_dry_run("run", "HOST=0.0.0.0")[-1] == (
        "SITE_URL=http://127.0.0.1:8000 .venv/bin/python manage.py runserver 0.0.0.0:8000"
    )
    assert make_dry_run("run", env_extra={"SITE_URL": "https://demo.example.com"})[0] == (
        "SITE_URL=https://demo.example.com .venv/bin/python manage.py migrate --noinput"
    )


@needs_make
def test_reset_demo_keeps_the_venv_and_clean_deletes_it_too():
    assert make_dry_run("reset-demo") == ["rm -rf var db.sqlite3"]
    assert make_dry_run("clean") == ["rm -rf var db.sqlite3", "rm -rf .venv"]


def test_every_login_in_the_tour_is_a_demo_login_with_its_password():
    tour = section("A five-minute tour per role")
    logins = {login.username: login.password for login in demo_logins()}

    named = re.findall(r"`(\w+)` / `([\w-]+)`", tour)

    assert [username for username, _ in named] == ["seller1", "partner1", "admin"]
    for username, password in named:
        assert logins[username] == password


# Bold words of the tour that are not words on a page: the roles' names and a filter with its value.
NOT_ON_A_PAGE = {"Seller", "Dropship partner", "Platform admin", "status: failed"}


def test_every_button_link_and_heading_the_tour_names_is_in_the_templates_or_the_code():
    tour = section("A five-minute tour per role")
    sources = "\n".join(
        path.read_text().replace("&#x27;", "'").lower()
        for folder in ("templates", "reship", "orders", "suppliers")
        for path in (BASE_DIR / folder).rglob("*")
        if path.suffix in (".html", ".py") and "migrations" not in path.parts
    )
    named = {" ".join(words.split()) for words in re.findall(r"\*\*([^*]+)\*\*", tour)} - NOT_ON_A_PAGE

    # Lower case: the admin capitalises its models' names ("dropship partners" → "Dropship partners").
    missing = sorted(words for words in named if words.lower() not in sources)

    assert missing == []
