import socket, time, sys
# Bounded loopback flood: connect() to a closed port on 127.0.0.1 as fast as possible
# (each is a SYN answered by RST), for at most N attempts or T seconds.
N, T, port = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
t0 = time.time(); n = 0
while n < N and time.time() - t0 < T:
    s = socket.socket(); 
    try: s.connect(("127.0.0.1", port))
    except OSError: pass
    s.close(); n += 1
print(f"flood: {n} connection attempts in {time.time()-t0:.1f} s")
