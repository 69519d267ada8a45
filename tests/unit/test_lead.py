"""The lead line answers in the quotes' own words and never repeats quote [1] whole."""

from __future__ import annotations

from bot.answer import Quote
from bot.features import analyse
from bot.lead import clauses, fold, lead_line


def quote(text: str, n: int = 1) -> Quote:
    return Quote(n, text, "a", 0, len(text), 1.0)


def pieces(lead: str) -> list[tuple[str, str]]:
    """``(words, n)`` for each ``words [n]`` part of a lead line."""
    return [tuple(part.rsplit(" [", 1)) for part in lead.split("; ")]


def assert_own_words(lead: str, quotes: list[Quote]) -> None:
    for words, n in pieces(lead):
        source = next(q for q in quotes if q.n == int(n.rstrip("]")))
        for piece in words.strip("…").split(" … "):
            assert piece in fold(source.text)


def test_a_list_lead_names_the_members_from_every_quote():
    quotes = [
        quote("Estonia, Latvia and Lithuania signed the accord in Riga on Tuesday."),
        quote("Finland's parliament voted to join the accord, making it the fourth member.", 2),
    ]
    lead = lead_line(analyse("Who are the members of the accord?"), quotes)
    assert lead.startswith("Estonia, Latvia and Lithuania [1]; Finland")
    assert_own_words(lead, quotes)


def test_a_number_lead_is_the_clause_that_holds_it():
    quotes = [quote("The governments will split the cost of 240 million euros, officials said.")]
    lead = lead_line(analyse("How much does the first phase cost?"), quotes)
    assert lead == "The governments will split the cost of 240 million euros [1]"


def test_a_lead_never_repeats_a_one_clause_quote_whole():
    quotes = [quote("Poland has asked for talks but has not applied.")]
    lead = lead_line(analyse("Has Poland joined the accord?"), quotes)
    assert lead == "Poland … has not applied [1]"
    words = lead.rsplit(" [", 1)[0]
    assert words.rstrip("…") != quotes[0].text.rstrip(".")
    assert_own_words(lead, quotes)


def test_hard_wrapped_quotes_give_a_lead_on_one_line():
    quotes = [quote("The pilot line will be built\nin Kaunas, officials said.")]
    lead = lead_line(analyse("Where is the pilot line?"), quotes)
    assert lead == "The pilot line will be built in Kaunas [1]"


def test_clauses_are_verbatim_pieces_shorter_than_the_text():
    text = "In November, Trump appointed David Sacks as the new czar, a PayPal co-founder."
    for clause in clauses(text):
        assert clause in text and clause != text.rstrip(".")


def test_a_long_one_clause_sentence_is_led_by_the_words_around_its_answer():
    text = (
        "Vedyakhin claimed that Russia was trailing behind the U.S. and China by six to nine"
        " months due to Western sanctions limiting its access to growing its computer power."
    )
    lead = lead_line(analyse("how far behind is russia"), [quote(text)])
    assert lead == "…trailing behind the U.S. and China by six to nine months due… [1]"
    assert_own_words(lead, [quote(text)])


def test_a_quote_too_short_to_cut_leads_as_it_is():
    assert lead_line(analyse("What happened next?"), [quote("Negotiations collapsed.")]) == (
        "Negotiations collapsed [1]"
    )
