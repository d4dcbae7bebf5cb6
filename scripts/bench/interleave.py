#!/usr/bin/env python3
"""Interleaved timing of shell commands: one run of each in turn, ROUNDS times, then the median and
fastest wall time of each and the ratio of the first command's to each other's. On a machine whose
speed drifts (this virtual machine's does, by 5-10 % over seconds), commands timed one after the
other in blocks (hyperfine) compare two states of the machine; interleaved, they compare the same.

    scripts/bench/interleave.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]
    scripts/bench/interleave.py 16 "j1=tlsdiag batch --jobs 1 --progress never DIR" "j2=tlsdiag batch --jobs 2 --progress never DIR"

PREPARE="COMMAND" runs COMMAND, untimed, before each timed run: for example reading the files back
into the page cache, which this machine drops by itself (scripts/batch-bench.sh):
    PREPARE="find DIR -type f -print0 | xargs -0 cat > /dev/null" scripts/bench/interleave.py ...
"""
import subprocess,time,sys,os,statistics,resource
rounds=int(sys.argv[1]); cmds=[a.split('=',1) for a in sys.argv[2:]]
res={n:[] for n,_ in cmds}; cpu={n:[] for n,_ in cmds}
prepare=os.environ.get("PREPARE")
for r in range(rounds):
    for n,c in cmds:
        if prepare: subprocess.run(prepare,shell=True,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        r0=resource.getrusage(resource.RUSAGE_CHILDREN)
        t=time.perf_counter(); subprocess.run(c,shell=True,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL); t=time.perf_counter()-t
        r1=resource.getrusage(resource.RUSAGE_CHILDREN)
        res[n].append(t); cpu[n].append(r1.ru_utime-r0.ru_utime+r1.ru_stime-r0.ru_stime)
for n,_ in cmds:
    print(f"{n}: median {statistics.median(res[n]):.4f} min {min(res[n]):.4f} cpu median {statistics.median(cpu[n]):.4f}")
base=cmds[0][0]
for n,_ in cmds[1:]:
    print(f"{base}/{n}: median {statistics.median(res[base])/statistics.median(res[n]):.3f} min {min(res[base])/min(res[n]):.3f}")
