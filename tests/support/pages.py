"""Invented news articles (fictional places, people and outlets) served as realistic web pages,
RSS and Atom feeds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.site import FixtureSite

FIXTURE_NOTE = "This article is an invented fixture for geoqa's tests."


@dataclass(frozen=True)
class FixtureArticle:
    """An invented news article, served as a realistic web page."""

    slug: str
    title: str
    outlet: str
    author: str
    published: str | None
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/news/{self.slug}"


VERIDIAN = FixtureArticle(
    "veridian-straits-pact",
    "Veridian Straits Pact Caps AI Chip Transfers",
    "Fixture Herald",
    "Lena Okafor",
    "2025-08-14",
    (
        FIXTURE_NOTE,
        "Negotiators from the five Veridian Straits states agreed on Thursday to cap transfers of"
        " AI accelerators to 12,000 units a year per buyer, ending nine months of talks in the"
        " port city of Amberlow.",
        "The pact also bans the resale of quartz-cooled inference racks to third countries, a"
        " measure the Amberlow delegation had demanded since the first round.",
        "Trade minister Pilar Vance said the cap would be reviewed in 2027 and that exporters who"
        " break it would lose their licences for three years.",
    ),
)
OSKARSHOLM = FixtureArticle(
    "oskarsholm-sovereign-model",
    "Oskarsholm Lab Trains Sovereign Language Model",
    "Fixture Herald",
    "Tomas Brandt",
    "2025-05-02",
    (
        FIXTURE_NOTE,
        "The state laboratory of Oskarsholm finished training a sovereign language model on 4,096"
        " domestic accelerators, its director told parliament on Friday.",
        "The model, called Fjellrev, was trained only on documents held in national archives,"
        " and will be offered to ministries before the end of the year.",
        "Critics in the opposition said the project cost 800 million crowns and duplicated"
        " commercial systems that are already available.",
    ),
)
HARWICK = FixtureArticle(
    "harwick-levy-delayed",
    "Harwick Tariff Board Delays Accelerator Levy",
    "Fixture Herald",
    "Mina Castell",
    "2025-09-30",
    (
        FIXTURE_NOTE,
        "The Harwick tariff board postponed its planned levy on imported AI accelerators by six"
        " months after chip importers warned of shortages in the winter.",
        "The levy, set at eleven percent of the declared value, will now take effect in April,"
        " the board said in a short statement on Tuesday evening.",
        "Importers welcomed the delay but asked the board to publish the list of exempt research"
        " institutes well before the new date.",
    ),
)
SALTMARSH = FixtureArticle(
    "saltmarsh-summit",
    "Saltmarsh Summit Ends Without AI Treaty",
    "Le Fixture Quotidien",
    "Élodie Marchetti",
    "2025-07-11",
    (
        FIXTURE_NOTE,
        "Delegates at the Saltmarsh summit left the Café des Dunes conference hall without"
        " signing the draft treaty on military uses of AI, after two days of closed meetings.",
        "The host government said the text would be sent back to a working group, which is due"
        " to meet again in the spring in the city of Brielle.",
        "Observers noted that only four of the eleven delegations had sent ministers, and that the"
        " final communiqué did not mention autonomous weapons at all.",
    ),
)
PELLMOOR = FixtureArticle(
    "pellmoor-cloud-region",
    "Pellmoor Cloud Region Approved by Planners",
    "Atom Fixture Daily",
    "Rafe Lindqvist",
    "2025-04-22",
    (
        FIXTURE_NOTE,
        "Planners in Pellmoor approved a cloud region of three data halls on the old airfield,"
        " ending a dispute over water use that lasted two years.",
        "The operator promised to cool the halls with recycled water only and to pay for a new"
        " treatment plant that the town council has wanted since 2019.",
        "Construction is expected to start in the autumn and to employ about 700 people,"
        " according to the planning documents published on Monday.",
    ),
)
DREVNA = FixtureArticle(
    "drevna-licensing-portal",
    "Drevna Export Office Opens Licensing Portal",
    "Atom Fixture Daily",
    "Rafe Lindqvist",
    "2025-10-05",
    (
        FIXTURE_NOTE,
        "The Drevna export office opened an online portal for licences to ship AI chips abroad,"
        " replacing the paper forms that exporters had to file in person.",
        "Officials said the portal would decide simple cases within ten working days, and that"
        " appeals would still go to the trade tribunal in the capital.",
        "Exporters said the first week was slow because the portal rejected invoices written in"
        " any currency other than the Drevnan mark.",
    ),
)
CORRIN = FixtureArticle(
    "corrin-open-weights",
    "Corrin Valley Researchers Publish Open Weights",
    "Fixture Herald",
    "Ivo Sandoval",
    None,
    (
        FIXTURE_NOTE,
        "Researchers at the Corrin Valley institute published the weights of their translation"
        " model, saying it covered nineteen regional languages spoken along the valley.",
        "The institute said it had removed personal data from the training set and invited"
        " outside groups to test the model for errors before it is used in schools.",
        "A spokesperson declined to say how many accelerators were used to train the system or"
        " how long the training had taken.",
    ),
)
ARTICLES = (VERIDIAN, OSKARSHOLM, HARWICK, SALTMARSH, PELLMOOR, DREVNA, CORRIN)

FURNITURE = (
    "Subscribe for one credit",
    "Advertisement",
    "Ten fixture gadgets",
    "quietreader",
    "What a load of nonsense",
    "cookies",
    "All rights reserved",
)


def article_page(article: FixtureArticle, canonical: str | None) -> str:
    """A realistic news page: navigation, an ad, related links and comments around the article."""
    date = (
        f'<meta property="article:published_time" content="{article.published}T08:30:00Z">\n'
        if article.published
        else ""
    )
    link = f'<link rel="canonical" href="{canonical}">\n' if canonical else ""
    body = "\n".join(f"<p>{p}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{article.title} | {article.outlet}</title>
<meta property="og:title" content="{article.title}">
<meta property="og:site_name" content="{article.outlet}">
<meta name="author" content="{article.author}">
{date}{link}</head>
<body>
<nav class="site-nav"><a href="/">Home</a> <a href="/world">World</a>
<a href="/tech">Technology</a> <a href="/subscribe">Subscribe for one credit a week</a></nav>
<div class="ad-banner">Advertisement: the fixture router of your dreams, half price today!</div>
<main>
<article>
<h1>{article.title}</h1><p class="byline">By {article.author}</p>
{body}
</article>
<aside class="related"><h2>Most read</h2><ul>
<li><a href="/gadgets">Ten fixture gadgets you must own this summer</a></li>
<li><a href="/quiz">Quiz: which fictional capital are you?</a></li></ul></aside>
<section id="comments" class="comments"><h2>Comments (2)</h2>
<div class="comment"><p class="comment-author">quietreader</p>
<p>What a load of nonsense, the pact will never hold and everyone knows it.</p></div>
<div class="comment"><p class="comment-author">harbourwatcher</p>
<p>Great reporting as always, thank you for covering this story in detail.</p></div>
</section>
</main>
<footer><p>We use cookies to improve your experience.</p>
<p>Copyright Fixture Media. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body>
</html>
"""


UNTITLED_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
    + "".join(f"<p>{p}</p>" for p in OSKARSHOLM.paragraphs)
    + "</article><footer><p>Copyright Fixture Media.</p></footer></body></html>"
)
BOILERPLATE_PAGE = """<!DOCTYPE html><html><head><title>Fixture Herald</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Technology</a></nav>
<div class="paywall"><p>Subscribe to keep reading.</p></div>
<footer><p>We use cookies.</p><p>Copyright Fixture Media.</p></footer></body></html>
"""


def rss_feed(site: FixtureSite, articles: list[FixtureArticle], base: str | None = None) -> str:
    """An RSS 2.0 feed of ``articles`` (each with its second paragraph as the description),
    linking to the fixture site, or to ``base`` + the article's path when given."""

    def link(a: FixtureArticle) -> str:
        return f"{base}{a.path}" if base else site.url(a.path)

    items = "\n".join(
        f"""<item><title>{a.title}</title><link>{link(a)}</link>
<description>{a.paragraphs[1]}</description>
<guid>{link(a)}</guid><pubDate>{rfc822(a.published)}</pubDate></item>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Fixture Herald: AI</title><link>{site.url("/")}</link>
<description>Invented fixture feed for geoqa's tests.</description>
{items}
</channel></rss>
"""


def rfc822(day: str | None) -> str:
    return dt.date.fromisoformat(day or "2025-01-01").strftime("%a, %d %b %Y 08:30:00 +0000")


def atom_feed(articles: list[FixtureArticle]) -> str:
    entries = "\n".join(
        f"""<entry><title>{a.title}</title><link href="../news/{a.slug}"/>
<summary>{a.paragraphs[1]}</summary>
<id>urn:fixture:{a.slug}</id><updated>{a.published}T08:30:00Z</updated></entry>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Fixture Daily</title>
<id>urn:fixture:atom</id><updated>2025-10-05T08:30:00Z</updated>
{entries}
</feed>
"""
