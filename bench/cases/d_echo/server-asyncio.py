# (d) Python asyncio echo servers (the anchors' d_server.py): python3 server-asyncio.py MODE LIFETIME_MS
# MODE 'streams': start_server + read/write/drain; 'protocol': Protocol.data_received -> write.
# Prints its port, and exits on its own after LIFETIME_MS (the orchestrator kills it earlier).
import asyncio, sys


async def handle(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    except ConnectionError:
        pass  # the client resets its connections when it is done
    w.close()


class Echo(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t

    def data_received(self, d):
        self.t.write(d)


async def main():
    loop = asyncio.get_running_loop()
    if sys.argv[1] == 'streams':
        srv = await asyncio.start_server(handle, '127.0.0.1', 0)
    else:
        srv = await loop.create_server(Echo, '127.0.0.1', 0)  # asyncio sets TCP_NODELAY itself
    print(srv.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(int(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 30)  # bounded lifetime


asyncio.run(main())
