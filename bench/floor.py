"""The floor: the least a script can do to read what ``hatui --once`` reads (run as a file, not imported).

    python bench/floor.py SPEC.json     # SPEC: [{"host", "port", "user", "key", "known_hosts", "command"}]

Every node in parallel: one asyncssh connection, ONE exec of the commands hatui's poll sends for the
node's stack, joined with ``;`` (one after the other, as a plain script runs them); prints the outputs.
No stack detection, no parsing: what is left of ``--once`` is what this costs. It imports nothing
but asyncssh, so its start-up is the interpreter's and asyncssh's.
"""

import asyncio
import json
import sys
from typing import Any

import asyncssh


async def node(spec: dict[str, Any]) -> str:
    keys = {"client_keys": [spec["key"]]} if spec.get("key") else {}
    known = {"known_hosts": spec["known_hosts"]} if spec.get("known_hosts") else {}
    async with asyncssh.connect(
        spec["host"], port=spec["port"], username=spec["user"], **keys, **known
    ) as conn:
        result = await conn.run(spec["command"], check=False)
        return str(result.stdout)


async def main(specs: list[dict[str, Any]]) -> None:
    for out in await asyncio.gather(*(node(s) for s in specs)):
        sys.stdout.write(out)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        asyncio.run(main(json.load(f)))
