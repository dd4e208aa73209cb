"""A local SMTP server that accepts every message and keeps none: ``python -m bench.smtp_sink --port 8025``.

The benchmark's worker sends email the way production does, through Django's SMTP backend, so a
delivery costs what it costs there (a connection, the SMTP dialogue, the message on the wire)
except the remote server's own delay. It counts what it received in ``--count-file``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

received = 0


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global received
    writer.write(b"220 bench-sink ESMTP\r\n")
    await writer.drain()
    in_data = False
    while True:
        line = await reader.readline()
        if not line:
            break
        if in_data:
            if line in (b".\r\n", b".\n"):
                in_data = False
                received += 1
                writer.write(b"250 2.0.0 queued\r\n")
                await writer.drain()
            continue
        command = line[:4].upper()
        if command in (b"EHLO", b"HELO"):
            writer.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
        elif command == b"DATA":
            in_data = True
            writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
        elif command == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:  # MAIL, RCPT, RSET, NOOP
            writer.write(b"250 ok\r\n")
        await writer.drain()
    writer.close()


async def main(port: int, count_file: Path | None) -> None:
    server = await asyncio.start_server(session, "127.0.0.1", port)
    async with server:
        while True:
            await asyncio.sleep(1)
            if count_file is not None:
                count_file.write_text(str(received))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--count-file", type=Path, default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.port, arguments.count_file))
