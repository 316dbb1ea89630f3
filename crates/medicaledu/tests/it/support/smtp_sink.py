"""A real SMTP server for the notification tests (aiosmtpd).

Listens on 127.0.0.1 on a free port, prints the port on its first line of
output, and writes every message it accepts to OUT_DIR as a JSON file with
the envelope, the raw message and its decoded
headers and parts. Runs until it is killed.

Usage: python3 smtp_sink.py OUT_DIR
"""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Store:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.out_dir, f"{self.count:06d}.json")
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {
            part.get_content_type(): part.get_content()
            for part in message.walk()
            if not part.is_multipart()
        }
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "subject": message["subject"],
            "to": message["to"],
            "message_id": message["message-id"],
            "content_type": message.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        # Written whole, then renamed, so a reader never sees half a message.
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return "250 Message accepted for delivery"


async def main(out_dir):
    store = Store(out_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(store), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
