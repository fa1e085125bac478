"""In-app: the bell (accounts.notifications). Always on, the last fallback, written in the sender's transaction."""
from __future__ import annotations

from ...accounts import notifications
from . import Channel, Outgoing, Recipient, Result


class InApp(Channel):
    name = "inapp"
    provider = "inapp"

    def reaches(self, recipient: Recipient) -> bool:
        return recipient.user_id is not None

    def send(self, outgoing: Outgoing, recipient: Recipient) -> Result:
        if outgoing.template in notifications.NOTIFICATION_KINDS:
            # A kind the bell already knows keeps its own data, so it reads as before in either language.
            note = notifications.write(recipient.user_id, outgoing.template, outgoing.params, outgoing.path)
        else:
            texts = {}
            from ..templates import render

            for locale in ("vi", "en"):
                texts[locale] = render(outgoing.template, outgoing.params, locale).body
            note = notifications.write(recipient.user_id, "message", {"text": texts}, outgoing.path)
        return Result("sent", note=note)

    def after_crash(self, outgoing: Outgoing, recipient: Recipient) -> Result | None:
        return self.send(outgoing, recipient)  # its write rolled back with the unfinished try: nothing to repeat
