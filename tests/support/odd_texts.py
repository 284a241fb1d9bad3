"""Texts a person could really send, however odd: each must be accepted and answered."""

from __future__ import annotations

from gateway.edge_bounds import MAX_TEXT_CHARS

PERSON_TEXTS = {
    "right-to-left": "\u200fمرحبا، هل القداس يوم الأحد؟\u200f",
    "mixed direction": "Messe \u202bالأحد\u202c à 10h30 ?",
    "zero-width joiners": "famille 👨\u200d👩\u200d👧\u200d👦 et drapeau 🏳\ufe0f\u200d🌈",
    "skin tones": "Merci 🙏🏽👍🏿",
    "flags": "🇫🇷🇻🇦",
    "combining": "Bonjour Zoe\u0308 et Rene\u0301 " + "a\u0300\u0301\u0302\u0303" * 50,
    "zalgo": "b" + "\u0336\u0337\u0338" * 300 + "onjour",
    "controls": "ligne\tune\rdeux\x0bvertical\x0cpage\x1bescape",
    "byte order mark": "\ufeffBonjour",
    "noncharacters": "Bonjour \ufdd0\ufffe",
    "private use": "\ue000\U000f0000 Bonjour",
    "astral": "𝕭𝖔𝖓𝖏𝖔𝖚𝖗 𓀀 🀄",
    "only emoji": "🙏",
    "only spaces inside": "\u00a0\u2003\u3000Bonjour\u2028suite\u2029",
    "cjk": "你好，弥撒是几点？",
    "longest": "Bonjour " + "🙏é" * ((MAX_TEXT_CHARS - 8) // 2),
}
