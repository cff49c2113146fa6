#!/usr/bin/env python3
"""bench.py: the measurements of bench/run (which builds first; run that, not this).

Every fuzzing process runs alone, one after the other, so each number is for one core. Wall
time is read here, in the benchmark, never in the rig.
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUG_LINE = re.compile(r'^MSIRIG_BUG\(([A-Z0-9_]+), ([a-z_]+), (address|thread), ([0-9]+), '
                      r'"([^"]+)", "([^"]+)", "([^"]+)"\)$')
TARGETS = ['schedule_fuzz', 'lifecycle_fuzz', 'msi_contents_fuzz', 'msi_contract_fuzz',
           'hba_registers_fuzz']
PRESET_OF = {'address': 'fuzz', 'thread': 'fuzz-tsan'}
LABEL_OF = {'fuzz': 'ASan+UBSan', 'fuzz-tsan': 'TSan'}


def read_bugs(root):
    bugs = []
    for line in (root / 'miniport/zoo/bugs.def').read_text().splitlines():
        if not line.startswith('MSIRIG_BUG('):
            continue
        m = BUG_LINE.match(line)
        if not m:
            sys.exit(f'bench: miniport/zoo/bugs.def: malformed line: {line}')
        name, target, sanitizer, runs, signature, bug_class, mechanism = m.groups()
        bugs.append(dict(name=name, target=target, sanitizer=sanitizer, runs=int(runs),
                         signature=signature, bug_class=bug_class))
    return bugs


def signature_of(log):
    """The finding's signature, as tools/msirig, triage and tests/zoo/zoo_find.sh name it:
    msirig_triage's (tools/triage/signature.h), which bugs.def's expressions match."""
    proc = subprocess.run([str(TRIAGE), 'signature'], input=log.encode('utf-8', 'replace'),
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return proc.stdout.decode('utf-8', 'replace').strip() if proc.returncode == 0 else '(no report)'


def stat(log, key):
    values = re.findall(rf'^stat::{key}: *([0-9]+)', log, re.M)
    return int(values[-1]) if values else None


def binary(root, preset, name):
    path = root / 'build' / f'zoo-{preset}' / ('bench' if name == 'empty_fuzz' else
                                               'hba-model' if name == 'hba_registers_fuzz' else
                                               'targets') / name
    if not path.exists():
        found = list((root / 'build' / f'zoo-{preset}').rglob(name))
        found = [p for p in found if p.is_file() and os.access(p, os.X_OK)]
        if not found:
            sys.exit(f'bench: no fuzz target {name} in build/zoo-{preset}')
        path = found[0]
    return path


def seeds_of(root, preset, target):
    encoded = root / 'build' / f'zoo-{preset}' / 'tests/zoo/corpora' / target
    files = sorted(str(p) for p in encoded.iterdir() if p.is_file()) if encoded.is_dir() else []
    return files


def fuzz(exe, args, seeds, env_extra=None, timeout=None):
    """One libFuzzer process: returns (status, log, wall seconds, artifact or None)."""
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / 'corpus'
        corpus.mkdir()
        artifacts = Path(work) / 'artifacts'
        artifacts.mkdir()
        cmd = [str(exe)] + args + ['-print_final_stats=1', f'-artifact_prefix={artifacts}/',
                                   '-max_len=4096', '-timeout=120']
        if seeds:
            cmd.append('-seed_inputs=' + ','.join(seeds))
        cmd.append(str(corpus))
        env = dict(os.environ)
        env.update(env_extra or {})
        start = time.monotonic()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        wall = time.monotonic() - start
        log = proc.stdout.decode('utf-8', 'replace')
        found = sorted(artifacts.iterdir())
        if proc.returncode != 0:  # keep the report of anything that stopped a run
            logs = Path(OUT) / 'logs'
            logs.mkdir(exist_ok=True)
            (logs / f'{exe.name}-{len(list(logs.iterdir()))}.log').write_text(log)
        artifact = None
        if found:
            keep = Path(OUT) / 'findings'
            keep.mkdir(exist_ok=True)
            artifact = keep / f'{exe.name}-{len(list(keep.iterdir()))}-{found[0].name}'
            artifact.write_bytes(found[0].read_bytes())
        return proc.returncode, log, wall, artifact


def replay_signature(exe, artifact):
    proc = subprocess.run([str(exe), str(artifact)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=300)
    return signature_of(proc.stdout.decode('utf-8', 'replace'))


def machine():
    model = '?'
    for line in Path('/proc/cpuinfo').read_text().splitlines():
        if line.startswith('model name'):
            model = line.split(':', 1)[1].strip()
            break
    return model, os.cpu_count(), os.getloadavg()


def step_scenario(n):
    """A scenario of n steps: submissions, device progress, interrupts and DPCs on 2 CPUs."""
    lines = ['platform os=win10 interrupts=msix requested=4 granted=4 cpus=2 '
             'parameter="SyncMode=PerMessage;IoQueues=2"']
    cycle = ['write cpu={c} lba={lba} blocks=1 pattern=0x5a', 'device steps=4',
             'interrupt cpu={c} message=1', 'interrupt cpu={c} message=2', 'dpcs cpu={c}',
             'read cpu={c} lba={lba} blocks=1', 'device steps=4', 'interrupt cpu={c} message=1',
             'interrupt cpu={c} message=2', 'dpcs cpu={c}']
    for i in range(n):
        lines.append(cycle[i % len(cycle)].format(c=(i // len(cycle)) % 2,
                                                  lba=8 * ((i // len(cycle)) % 64)))
    return '\n'.join(lines) + '\n'


def per_run_seconds(exe, path, runs):
    """Seconds per execution of one input: libFuzzer's -runs=N on a single file runs it N times
    in one process; the same with one run is subtracted (process start and exit). The least of
    three tries, since the machine may be shared."""
    best = {}
    for count in (1, runs + 1):
        for _ in range(3):
            start = time.monotonic()
            proc = subprocess.run([str(exe), f'-runs={count}', path], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            wall = time.monotonic() - start
            if proc.returncode != 0:
                sys.exit(f'bench: {path} found something:\n' + proc.stdout.decode()[-3000:])
            best[count] = min(best.get(count, wall), wall)
    return max(best[runs + 1] - best[1], 0.0) / runs


def median(values):
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:.{digits}f}'
    return str(value)


def main():
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--seconds', type=int, default=20)
    parser.add_argument('--seeds', type=int, default=5)
    parser.add_argument('--cap', type=int, default=120)
    parser.add_argument('--bugs', default='')
    parser.add_argument('--presets', default='fuzz fuzz-tsan')
    parser.add_argument('--parts', default='speed zoo steps')
    args = parser.parse_args()
    parts = set(args.parts.split())
    root = Path(args.root)
    OUT = args.out
    presets = args.presets.split()
    global TRIAGE
    TRIAGE = root / 'build' / f'zoo-{presets[0]}' / 'tools/triage/msirig_triage'
    if not TRIAGE.exists():
        sys.exit(f'bench: no signature tool {TRIAGE} (bench/run builds it)')
    model, cpus, load_start = machine()
    started = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    report = []

    def emit(line=''):
        print(line, flush=True)
        report.append(line)

    # --- executions per second and peak memory ---------------------------------------------
    speed = {}  # (preset, target) -> (exec/s, peak MB)
    for preset in (presets if 'speed' in parts else []):
        for target in ['empty_fuzz'] + TARGETS:
            exe = binary(root, preset, target)
            seeds = seeds_of(root, preset, target) if target != 'empty_fuzz' else []
            status, log, wall, _ = fuzz(exe, ['-seed=1', f'-max_total_time={args.seconds}'],
                                        seeds, timeout=args.seconds * 4 + 120)
            executions = stat(log, 'number_of_executed_units') or 0
            speed[(preset, target)] = (executions / wall if wall > 0 else 0.0,
                                       stat(log, 'peak_rss_mb'), status)
            print(f'bench: {LABEL_OF[preset]} {target}: {speed[(preset, target)][0]:.0f} exec/s',
                  file=sys.stderr, flush=True)

    # --- zoo: time and executions to the first finding ------------------------------------
    bugs = [b for b in read_bugs(root) if PRESET_OF[b['sanitizer']] in presets and 'zoo' in parts]
    if args.bugs:
        wanted = set(args.bugs.split())
        bugs = [b for b in bugs if b['name'] in wanted]
    zoo = []
    replays = []  # (bug, share identical)
    for bug in bugs:
        preset = PRESET_OF[bug['sanitizer']]
        exe = binary(root, preset, f"nvme_bug_{bug['name'].lower()}_{bug['target']}")
        seeds = seeds_of(root, preset, bug['target'])
        row = dict(bug=bug)
        for mode, env in (('structure', {}), ('plain', {'MSIRIG_PLAIN_MUTATOR': '1'})):
            times, execs, missed, peak = [], [], 0, []
            for seed in range(1, args.seeds + 1):
                status, log, wall, artifact = fuzz(
                    exe, [f'-seed={seed}', f'-max_total_time={args.cap}'], seeds, env,
                    timeout=args.cap * 4 + 300)
                sig = signature_of(log)
                if status != 0 and artifact and re.search(bug['signature'], sig):
                    times.append(wall)
                    execs.append(stat(log, 'number_of_executed_units') or 0)
                    same = sum(replay_signature(exe, artifact) == sig for _ in range(10))
                    replays.append((bug['name'], same))
                else:
                    missed += 1
                if stat(log, 'peak_rss_mb') is not None:
                    peak.append(stat(log, 'peak_rss_mb'))
                print(f"bench: {bug['name']} {mode} seed {seed}: "
                      f"{'found' if status != 0 else 'not found'} in {wall:.1f}s ({sig})",
                      file=sys.stderr, flush=True)
            row[mode] = dict(time=median(times) if missed <= len(times) else None,
                             execs=median(execs) if missed <= len(times) else None,
                             found=len(times), peak=max(peak) if peak else None)
        zoo.append(row)

    # --- cost per scenario step -------------------------------------------------------------
    steps_cost = []
    floor = []  # (seed, us per execution)
    tool = root / 'build/zoo-fuzz/tests/zoo/msirig_zoo_scenario_tool'
    exe = binary(root, 'fuzz', 'schedule_fuzz')
    with tempfile.TemporaryDirectory() as work:
        # The cost floor: the smallest seeds, each run many times in one process.
        smallest = sorted(seeds_of(root, 'fuzz', 'schedule_fuzz'),
                          key=lambda f: (os.path.getsize(f), f))
        for seed in (smallest[:3] if 'steps' in parts else []):
            floor.append((Path(seed).name, per_run_seconds(exe, seed, 2000) * 1e6))
        for n in ((10, 100, 1000) if 'steps' in parts else ()):
            text = Path(work) / f'steps-{n}.txt'
            text.write_text(step_scenario(n))
            encoded = Path(work) / f'steps-{n}'
            subprocess.run([str(tool), 'encode', str(text), str(encoded)], check=True)
            # At least 50 runs: with 5, the 1000-step row swung between 2.5 and 8.2 ms in one session.
            seconds = per_run_seconds(exe, str(encoded), max(50, 2000 // n))
            steps_cost.append((n, seconds * 1e3, seconds / n * 1e6))

    load_end = os.getloadavg()
    # --- the report -------------------------------------------------------------------------
    emit('## Machine')
    emit()
    emit(f'{started}; {cpus} CPUs ({model}); load average {load_start[0]:.2f} {load_start[1]:.2f} '
         f'{load_start[2]:.2f} at the start, {load_end[0]:.2f} {load_end[1]:.2f} '
         f'{load_end[2]:.2f} at the end. bench/run --seconds {args.seconds} --seeds '
         f'{args.seeds} --cap {args.cap}.')
    emit()
    if 'speed' in parts:
        emit('## Executions per second (one process, from the seeds)')
        emit()
        header = '| target |'
        rule = '|---|'
        for preset in presets:
            header += f' {LABEL_OF[preset]} exec/s | share of empty | peak RSS MB |'
            rule += '---:|---:|---:|'
        emit(header)
        emit(rule)
        for target in ['empty_fuzz'] + TARGETS:
            line = f'| {target} |'
            for preset in presets:
                rate, peak, status = speed[(preset, target)]
                empty = speed[(preset, 'empty_fuzz')][0]
                note = '' if status == 0 else f' (exit {status})'
                line += f' {rate:.0f}{note} | {100 * rate / empty:.2f}% | {fmt(peak)} |'
            emit(line)
        emit()
    if 'zoo' in parts:
        report_zoo(emit, args, zoo, replays)
    if 'steps' in parts:
        emit('## Cost floor (schedule_fuzz, ASan+UBSan: the three smallest seeds, 2000 runs each in one process)')
        emit()
        emit('| seed | us per execution |')
        emit('|---|---:|')
        for name, us in floor:
            emit(f'| {name} | {us:.0f} |')
        emit()
        emit('## Cost per scenario step (schedule_fuzz, ASan+UBSan, one scenario run many times in one process)')
        emit()
        emit('| steps | ms per execution | us per step |')
        emit('|---:|---:|---:|')
        for n, ms, us in steps_cost:
            emit(f'| {n} | {ms:.2f} | {us:.1f} |')
    (Path(OUT) / 'results.md').write_text('\n'.join(report) + '\n')
    plot(speed, presets, zoo, steps_cost, Path(OUT) / 'bench.png')
    print(f'bench: wrote {OUT}/results.md and {OUT}/bench.png', file=sys.stderr)


def report_zoo(emit, args, zoo, replays):
    emit(f'## Zoo: first finding, median over {args.seeds} seeds (cap {args.cap} s per run)')
    emit()
    emit('| bug | target | sanitizer | structure-aware: s / execs (found) | '
         'plain libFuzzer: s / execs (found) | time ratio plain/structure | identical replays | '
         'peak RSS MB |')
    emit('|---|---|---|---:|---:|---:|---:|---:|')
    for row in zoo:
        bug = row['bug']
        s, p = row['structure'], row['plain']
        ratio = (p['time'] / s['time']) if s['time'] and p['time'] else None
        if s['time'] and p['time'] is None:
            ratio_text = f'> {args.cap / s["time"]:.1f}'
        else:
            ratio_text = fmt(ratio, 2)
        peak = max(x for x in (s['peak'], p['peak'], 0) if x is not None)
        mine = [n for name, n in replays if name == bug['name']]
        replay_text = f'{sum(mine)}/{10 * len(mine)}' if mine else '-'
        emit(f"| {bug['name']} | {bug['target']} | {bug['sanitizer']} | "
             f"{fmt(s['time'])} / {fmt(s['execs'])} ({s['found']}/{args.seeds}) | "
             f"{fmt(p['time'])} / {fmt(p['execs'])} ({p['found']}/{args.seeds}) | "
             f"{ratio_text} | {replay_text} | {peak} |")
    emit()
    total = len(replays) * 10
    same = sum(n for _, n in replays)
    emit('## Replay determinism')
    emit()
    emit(f'{len(replays)} findings, each replayed 10 times: {same}/{total} replays '
         f'({100 * same / total if total else 0:.1f}%) gave the identical signature.')
    emit()


def plot(speed, presets, zoo, steps_cost, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    names = ['empty_fuzz'] + TARGETS
    width = 0.8 / len(presets)
    for i, preset in enumerate(presets):
        axes[0].bar([x + i * width for x in range(len(names))],
                    [speed.get((preset, t), (0, None, 0))[0] for t in names], width,
                    label=LABEL_OF[preset])
    axes[0].set_xticks([x + width / 2 for x in range(len(names))])
    axes[0].set_xticklabels(names, rotation=30, ha='right')
    if any(rate > 0 for rate, _, _ in speed.values()):  # none when the speed part did not run
        axes[0].set_yscale('log')
    axes[0].set_ylabel('executions per second (one core)')
    axes[0].axhline(10000, color='grey', linestyle=':', label='goal: schedule_fuzz 10k')
    axes[0].legend()
    labels = [row['bug']['name'].lower() for row in zoo]
    for i, mode in enumerate(('structure', 'plain')):
        axes[1].barh([y + i * 0.4 for y in range(len(zoo))],
                     [row[mode]['time'] or 0 for row in zoo], 0.4,
                     label='structure-aware' if mode == 'structure' else 'plain libFuzzer')
    axes[1].set_yticks([y + 0.2 for y in range(len(zoo))])
    axes[1].set_yticklabels(labels, fontsize=8)
    axes[1].axvline(60, color='grey', linestyle=':', label='goal: 60 s median')
    axes[1].set_xlabel('median seconds to first finding (0 = not found)')
    axes[1].legend()
    axes[2].plot([n for n, _, _ in steps_cost], [ms for _, ms, _ in steps_cost], marker='o')
    if steps_cost:  # a log scale needs positive values: none when the steps part did not run
        axes[2].set_xscale('log')
        axes[2].set_yscale('log')
    axes[2].set_xlabel('scenario steps')
    axes[2].set_ylabel('ms per execution')
    axes[2].set_title('cost as scenarios grow')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


OUT = ''
TRIAGE = None  # msirig_triage of a zoo build: signatures
if __name__ == '__main__':
    main()
