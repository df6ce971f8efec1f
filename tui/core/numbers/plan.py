"""The numbering facts the offline check knows: number types, French overseas prefixes,
region names and the Chinese blocks that cannot be ported."""

from __future__ import annotations

import phonenumbers

from tui.core.i18n import N_

#: phonenumbers' number types by the names Portcheck writes in JSON.
TYPE_NAMES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
}

#: French overseas national prefixes → the region they really belong to.
FR_OVERSEAS = {
    "0262": "RE",
    "0263": "RE",
    "0692": "RE",
    "0693": "RE",
    "0269": "YT",
    "0639": "YT",
    "0590": "GP",
    "0690": "GP",
    "0691": "GP",
    "0594": "GF",
    "0694": "GF",
    "0596": "MQ",
    "0696": "MQ",
    "0697": "MQ",
}
#: Region names (msgids: shown through `_()`).
REGION_NAMES = {
    "CN": N_("China"),
    "FR": N_("France"),
    "RE": N_("Réunion"),
    "YT": N_("Mayotte"),
    "GP": N_("Guadeloupe"),
    "GF": N_("French Guiana"),
    "MQ": N_("Martinique"),
    "BL": N_("Saint-Barthélemy"),
    "MF": N_("Saint-Martin"),
}

#: The number types in words (msgids), by their JSON names.
TYPE_WORDS = {
    "mobile": N_("mobile"),
    "fixed_line": N_("fixed line"),
    "fixed_line_or_mobile": N_("fixed line or mobile"),
    "toll_free": N_("toll free"),
    "premium_rate": N_("premium rate"),
    "shared_cost": N_("shared cost"),
    "voip": N_("VoIP"),
    "personal_number": N_("personal number"),
    "pager": N_("pager"),
    "uan": N_("UAN"),
    "voicemail": N_("voicemail"),
    "unknown": N_("unknown"),
}

#: Chinese number blocks that cannot be ported between operators, by national prefix
#: (messages are msgids: shown through `_()`).
CN_NOT_PORTABLE = [
    (
        ("170", "171", "162", "165", "167"),
        "MVNO",
        N_("virtual-operator (MVNO) range: these numbers cannot be ported to another operator"),
    ),
    (
        ("1349", "17400", "17401", "17402", "17403", "17404", "17405", "1749"),
        "SATELLITE",
        N_("satellite range: satellite numbers cannot be ported"),
    ),
    (
        ("140", "141", "144", "146", "148"),
        "IOT",
        N_("IoT (machine-to-machine) range: IoT numbers cannot be ported"),
    ),
]

#: A notice's code in a word or two, for the number field's feedback line (msgids).
NOTICE_WORDS = {
    "MVNO": N_("MVNO range"),
    "SATELLITE": N_("satellite range"),
    "IOT": N_("IoT range"),
    "OVERSEAS": N_("overseas"),
}
