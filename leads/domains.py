"""E-mail domains of personal mailboxes: a lead from one of them never creates or joins a company."""

PERSONAL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "zoho.com",
        "mail.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "t-online.de",
        "freenet.de",
        "posteo.de",
        "mailbox.org",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "hanmail.net",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "wanadoo.fr",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "bluewin.ch",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "cox.net",
        "rediffmail.com",
        "fastmail.com",
        "hey.com",
        "tutanota.com",
        "tuta.io",
        "hushmail.com",
    ]
)
# Providers with a domain per country (yahoo.co.uk, hotmail.de, outlook.fr ...).
PERSONAL_PROVIDERS = ("yahoo.", "hotmail.", "outlook.", "live.", "gmx.", "yandex.", "aol.")


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def is_personal_domain(domain: str) -> bool:
    domain = domain.lower().removeprefix("www.")
    return domain in PERSONAL_DOMAINS or domain.startswith(PERSONAL_PROVIDERS)


def company_domain_for(*, email: str, company_domain: str) -> str:
    """The domain a lead's company is known by: the one given, else the e-mail's unless it is personal."""
    domain = (company_domain or "").strip().lower().removeprefix("www.")
    if not domain and email:
        domain = email_domain(email)
    return "" if not domain or is_personal_domain(domain) else domain
