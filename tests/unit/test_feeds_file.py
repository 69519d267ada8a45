"""The followed feeds file: `geoqa feeds add|list|remove`, a human-editable TOML file whose
comments survive the commands, read back exactly, and refused with one line when it is broken."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.errors import ConfigError
from index.ingest.feeds import Entry
from index.ingest.followed import (
    Feed,
    follow,
    match_terms,
    parse_feeds,
    read_feeds,
    render_feed,
    toml_string,
    unfollow,
)

HERALD = "https://news.fixture-herald.test/ai.rss"
DAILY = "https://www.atom-fixture-daily.test/feed.atom"


def geoqa(*args: str, env: dict[str, str]):
    return CliRunner().invoke(cli, list(args), obj={"env": env})


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "GEOQA_FEEDS_FILE": str(tmp_path / "feeds.toml"),
        "GEOQA_INDEX_DIR": str(tmp_path / "index"),
        "GEOQA_CORPUS_DIR": str(tmp_path / "corpus"),
    }


def test_feeds_add_writes_a_file_that_reads_back_and_list_shows_it(env):
    added = geoqa(
        "feeds",
        "add",
        HERALD,
        "--name",
        "herald",
        "--source",
        "Fixture Herald",
        "--match",
        "levy, chip*",
        "--match",
        "export control",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert added.stdout == f"following herald: {HERALD} (in {env['GEOQA_FEEDS_FILE']})\n"
    second = geoqa("feeds", "add", DAILY, env=env)
    assert second.exit_code == 0, second.output
    path = Path(env["GEOQA_FEEDS_FILE"])
    assert read_feeds(path) == [
        Feed("herald", HERALD, "Fixture Herald", ("levy", "chip*", "export control")),
        Feed("atom-fixture-daily.test", DAILY),
    ]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Feeds geoqa follows")  # explains itself to a person editing it
    assert tomllib.loads(text)["feed"][0]["match"] == ["levy", "chip*", "export control"]
    listed = geoqa("feeds", "list", "--json", env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["feeds"]
    assert [r["name"] for r in rows] == ["herald", "atom-fixture-daily.test"]
    assert rows[0]["source"] == "Fixture Herald" and rows[0]["last_fetch"] is None
    assert rows[0]["failures"] == 0 and rows[0]["last_error"] is None
    text_list = geoqa("feeds", "list", env=env).stdout
    assert f"herald  {HERALD}" in text_list and "not read yet" in text_list
    assert not Path(env["GEOQA_INDEX_DIR"]).exists()  # listing creates nothing


def test_adding_the_same_feed_or_name_twice_is_refused(env):
    assert geoqa("feeds", "add", HERALD, "--name", "herald", env=env).exit_code == 0
    shouted = HERALD.replace("https://", "HTTPS://") + "?utm_source=x"  # the same feed
    same_url = geoqa("feeds", "add", shouted, env=env)
    assert same_url.exit_code == 2
    assert same_url.stderr == f"error: {shouted} is already followed as 'herald'\n"
    same_name = geoqa("feeds", "add", DAILY, "--name", "Herald", env=env)
    assert same_name.exit_code == 2
    assert same_name.stderr == "error: a feed named 'Herald' is already followed\n"
    not_web = geoqa("feeds", "add", "ftp://fixture.test/feed.xml", env=env)
    assert not_web.exit_code == 2 and "is not an http(s) URL" in not_web.stderr
    assert [f.name for f in read_feeds(Path(env["GEOQA_FEEDS_FILE"]))] == ["herald"]


def test_remove_keeps_the_users_comments_and_the_other_feeds(env):
    path = Path(env["GEOQA_FEEDS_FILE"])
    path.write_text(
        "# my feeds, curated by hand\n\n"
        "# the herald: good on chips\n"
        "[[feed]]\n"
        f'name = "herald"\nurl = "{HERALD}"  # the AI section only\n\n'
        "# the daily: planning stories\n"
        "[[feed]]\n"
        f'name = "daily"\nurl = "{DAILY}"\nsource = "Atom Fixture Daily"\n',
        encoding="utf-8",
    )
    removed = geoqa("feeds", "remove", "herald", env=env)
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == f"no longer following herald: {HERALD}\n"
    assert path.read_text(encoding="utf-8") == (
        "# my feeds, curated by hand\n\n"
        "# the daily: planning stories\n"
        "[[feed]]\n"
        f'name = "daily"\nurl = "{DAILY}"\nsource = "Atom Fixture Daily"\n'
    )
    follow(path, HERALD, name="herald")
    assert "# the daily: planning stories" in path.read_text(encoding="utf-8")
    unknown = geoqa("feeds", "remove", "nope", env=env)
    assert unknown.exit_code == 2
    assert unknown.stderr == "error: no followed feed is named 'nope' (followed: daily, herald)\n"


def test_a_file_the_lines_cannot_be_cut_from_is_written_anew_from_its_feeds(tmp_path):
    path = tmp_path / "feeds.toml"
    inline = f'{{ name = "herald", url = "{HERALD}" }}, {{ name = "daily", url = "{DAILY}" }}'
    path.write_text(f"feed = [{inline}]\n", encoding="utf-8")
    assert unfollow(path, "herald").url == HERALD
    assert read_feeds(path) == [Feed("daily", DAILY)]


@pytest.mark.parametrize(
    "value",
    ['Quote " and back\\slash', "tab\tand newline\nand bell\x07", "Ünïcødé — “smart” 東京", ""],
)
def test_odd_text_round_trips_through_the_writer(value):
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value
    line = " ".join(value.split())  # names, outlets and words are one line each
    feed = Feed(line or "n", HERALD, line or None, (line,) if line else ())
    assert parse_feeds(render_feed(feed), Path("t.toml")) == [feed]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[feed]\nurl = 1", "not valid TOML"),
        ('[[feed]]\nurl = "https://a.test/f"\nsorce = "typo"', "feed 1: unknown key 'sorce'"),
        ('[[feed]]\nname = "x"', "feed 1: no url"),
        ('[[feed]]\nurl = "file:///etc/passwd"', "feed 1: 'file:///etc/passwd' is not an http"),
        ('[[feed]]\nurl = "https://a.test/f"\nmatch = [1]', "feed 1: match must be a list"),
        ('[[feed]]\nurl = "https://a.test/f"\nsource = 3', "feed 1: source must be text"),
        (
            '[[feed]]\nurl = "https://a.test/f"\n[[feed]]\nurl = "https://A.test/f/"',
            "followed twice",
        ),
        (
            '[[feed]]\nname="a"\nurl = "https://a.test/f"\n[[feed]]\nname="A"\nurl="https://b.test"',
            "two feeds are named 'A'",
        ),
        ('title = "my feeds"', "unknown setting 'title'"),
    ],
)
def test_a_broken_feeds_file_is_one_line_naming_it_and_exit_status_2(env, text, problem):
    path = Path(env["GEOQA_FEEDS_FILE"])
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        read_feeds(path)
    for command in (["sync"], ["feeds", "list"], ["feeds", "add", "https://c.test/f"]):
        result = geoqa(*command, env=env)
        assert result.exit_code == 2, command
        assert result.stderr.startswith(f"error: feeds file {path}") and problem in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_sync_without_a_feeds_file_says_how_to_add_one(env):
    result = geoqa("sync", env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: no feeds file at {env['GEOQA_FEEDS_FILE']}; follow a feed with"
        " `geoqa feeds add URL`\n"
    )


def test_match_words_are_whole_words_unless_they_end_with_a_star():
    feed = Feed("f", HERALD, match=match_terms(["AI, chip*", "export  control", " , "]))
    assert feed.match == ("AI", "chip*", "export control")

    def takes(title: str, summary: str | None = None) -> bool:
        return feed.matches(Entry("https://a.test/x", title, None, summary))

    assert takes("New AI rules for exporters")
    assert not takes("The minister said nothing")  # "ai" inside a word
    assert takes("Chipmakers warn of shortages") and takes("Two chips, one tariff")
    assert takes("Trade news", "A new Export\ncontrol regime was agreed")
    assert not takes("Export controls tightened")  # whole words unless the term ends with *
    assert Feed("all", HERALD).matches(Entry(None, None))
