"""SMS writing is written out before a question is searched."""

from __future__ import annotations

import pytest

from ai.sms import plain


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("c koi lé horR d mess", "c quoi les horaires d messe"),
        ("secretaria ouvert kan", "secrétariat ouvert quand"),
        ("ya t il messe jeudi", "il y a t il messe jeudi"),
        ("Quelles sont mes options ?", "Quelles sont mes options ?"),  # French words kept
        ("bapteme bb delai", "bapteme bébé delai"),
        ("kt prix", "caté prix"),
        ("horaire mese samedi", "horaire messe samedi"),
        ("parain marène age mini", "parrain marraine age mini"),
        ("enterement ki apeler", "enterrement qui apeler"),
        ("num secretariat svp", "numéro secretariat svp"),
        ("faut prevenir combien de tps avan", "faut prevenir combien de temps avant"),
        ("jpeu me confessé quand", "je peux me confessé quand"),  # "je" fused with its verb
        ("chui malade jveu la communion", "je suis malade je veux la communion"),
        ("esk ya messe samdi a kel heure", "est-ce que il y a messe samedi a quel heure"),
        ("kombien pr le batem dun bb", "combien pour le baptême dun bébé"),
        ("jvoudré inscrir ma fille au katé", "je voudrais inscrire ma fille au caté"),
        (
            "qqn sait si la messe de 2main est tjrs a 6h",
            "quelqu'un sait si la messe de demain est toujours a 6h",
        ),
    ],
)
def test_sms_words_are_written_out_and_french_words_kept(typed: str, meant: str) -> None:
    assert plain(typed) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("messes du week-end", "messes du samedi dimanche"),
        ("MESSES WEEK END SVP", "MESSES samedi dimanche SVP"),
        ("messes ce weekend", "messes ce samedi dimanche"),
        ("messes du we", "messes du samedi dimanche"),
    ],
)
def test_the_weekend_is_named_by_its_days(typed: str, meant: str) -> None:
    assert plain(typed) == meant


def test_the_weekend_in_other_languages_is_named_by_its_days() -> None:
    assert plain("Mass this weekend?") == "Mass this samedi dimanche?"
    assert plain("misa el fin de semana") == "misa el samedi dimanche"
    assert plain("missa no fim de semana") == "missa no samedi dimanche"


def test_a_question_in_another_language_keeps_its_words() -> None:
    assert (
        plain("How do we get our baby baptised?", sms=False) == "How do we get our baby baptised?"
    )
    assert plain("Mass on the weekend?", sms=False) == "Mass on the samedi dimanche?"
