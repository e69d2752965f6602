"""Sending one outbox message through the configured SMTP server (Python's smtplib and email).

`send` raises `TemporaryFailure` when trying again later may work (the server is down or busy, a 4xx
answer, a timeout) and `PermanentFailure` when it will not (every recipient refused, a 5xx answer, a
wrong password), so the outbox knows whether to retry. The error texts name the server's answer code and
the exception's type, never a recipient.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from settings import Settings


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Trying again will not help."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str  # starttls | ssl | none
    user: str
    password: str
    sender: str
    timeout: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpConfig | None":
        """The configured server, or None when SMTP_HOST is empty (messages then wait in the outbox)."""
        if not settings.smtp_host:
            return None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_tls, settings.smtp_user,
                   settings.smtp_password, settings.smtp_sender, settings.smtp_timeout_seconds)


def build(config: SmtpConfig, recipients: list[str], subject: str, body: str, message_id: str) -> EmailMessage:
    """The MIME message (UTF-8 text); the outbox row's Message-ID, so a copy sent twice is recognisable."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Deliver `message` to the server; see the module's docstring for the failures."""
    try:
        if config.tls == "ssl":
            client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.user:
                client.login(config.user, config.password)
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _text in error.recipients.values()})
        raise _by_code(codes[0] if codes else 550, "every recipient refused") from error
    except smtplib.SMTPAuthenticationError as error:
        raise PermanentFailure(f"SMTP sign-in refused ({error.smtp_code})") from error
    except smtplib.SMTPResponseException as error:
        raise _by_code(error.smtp_code, type(error).__name__) from error
    except (smtplib.SMTPException, OSError) as error:  # refused connection, timeout, TLS, disconnect
        raise TemporaryFailure(f"SMTP server unreachable ({type(error).__name__})") from error
    if refused:  # some recipients refused, the others accepted: the message went out, once
        return


def _by_code(code: int, what: str) -> Exception:
    text = f"SMTP answer {code}: {what}"
    return TemporaryFailure(text) if 400 <= code < 500 else PermanentFailure(text)
