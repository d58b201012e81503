"""The commands of the documentation work.

Every fenced ``bash`` block of ``README.md``, ``docs/``, ``benchmarks/README.md`` and the
plugins' READMEs is checked command by command: a ``python`` tool exists and knows every
``--option`` the command gives it (its ``--help`` lists them), the repository files it
names exist, ``bash`` scripts exist, ``make`` targets are in the Makefile, and nothing else
appears. Every ``python`` block compiles and what it imports from vadkit exists. Blocks
marked ``<!-- doc-test: run -->`` are run, in order, as a user runs them from the
repository root (here a scratch copy of it, so that their outputs land there):
``docs/tutorial.md`` in full, about four minutes on 2 cores.
"""
import ast
import functools
import importlib
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from typing import List, Tuple

import pytest

from tests.conftest import REPO_ROOT

RUN_MARK = '<!-- doc-test: run -->'
FENCE = re.compile(r'^(?P<mark><!-- doc-test: run -->\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)'
                   r'^```', re.S | re.M)
#: Leading words a documented command may start with besides the checked ones.
ALLOWED = ('source', 'cd', 'export', 'git')


def doc_files() -> List[str]:
    files = ['README.md', 'benchmarks/README.md']
    for folder, _, names in os.walk(osp.join(REPO_ROOT, 'docs')):
        files += [osp.relpath(osp.join(folder, n), REPO_ROOT) for n in names
                  if n.endswith('.md')]
    plugins = osp.join(REPO_ROOT, 'vadkit_plugins')
    files += [osp.join('vadkit_plugins', p, 'README.md') for p in sorted(os.listdir(plugins))
              if osp.isfile(osp.join(plugins, p, 'README.md'))]
    return sorted(f for f in files if osp.isfile(osp.join(REPO_ROOT, f)))


def blocks(path: str) -> List[Tuple[str, str, bool]]:
    """``(language, body, run)`` of the fenced blocks of a markdown file."""
    with open(osp.join(REPO_ROOT, path), encoding='utf-8') as f:
        text = f.read()
    return [(m['lang'], m['body'], bool(m['mark'])) for m in FENCE.finditer(text)]


def commands(body: str) -> List[str]:
    """The commands of a bash block: continuation lines (a trailing backslash, or a
    synopsis line starting with ``[``) joined, comments dropped."""
    out: List[str] = []
    joined = body.replace('\\\n', ' ')
    for line in joined.splitlines():
        line = re.sub(r'(^|\s)#.*$', '', line).strip()
        if not line:
            continue
        if line.startswith('[') and out:
            out[-1] += ' ' + line
        else:
            out.append(line)
    return out


@functools.lru_cache(maxsize=None)
def tool_help(tool: str) -> str:
    proc = subprocess.run([sys.executable, tool, '--help'], cwd=REPO_ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != 'PYTHONPATH'})
    assert proc.returncode == 0, f'{tool} --help failed: {proc.stderr[-2000:]}'
    return proc.stdout


def _repo_paths(tokens: List[str]) -> List[str]:
    """Tokens naming files of the repository (configs, tools, plugins, benchmarks)."""
    roots = ('configs/', 'tools/', 'vadkit_plugins/', 'benchmarks/')
    return [t.strip('[]') for t in tokens
            if t.strip('[]').startswith(roots) and '*' not in t and '{' not in t]


def check_command(command: str) -> List[str]:
    """What is wrong with one documented command (empty: nothing)."""
    problems = []
    tokens = shlex.split(command.replace('|', ' | '), posix=True) if "'" in command else \
        command.split()
    while tokens and re.match(r'^[A-Z_]+=\S*$', tokens[0]):  # OMP_NUM_THREADS=2 ...
        tokens = tokens[1:]
    if not tokens:
        return problems
    head = tokens[0]
    for path in _repo_paths(tokens):
        if not osp.exists(osp.join(REPO_ROOT, path)):
            problems.append(f'{path} does not exist')
    if head in ('python', '.venv/bin/python', 'torchrun'):
        rest = tokens[1:]
        while rest and rest[0].startswith('-') and head == 'torchrun':
            rest = rest[2:] if '=' not in rest[0] else rest[1:]
        if rest and rest[0] == '-m':
            return problems
        if not rest or not osp.isfile(osp.join(REPO_ROOT, rest[0])):
            return problems + [f'{rest[0] if rest else "nothing"}: no such tool']
        helptext = tool_help(rest[0])
        for token in rest[1:]:
            for option in re.findall(r'(?<![\w-])(--[a-z][\w-]*)', token):
                if not re.search(rf'(?<![\w-]){re.escape(option)}(?![\w-])', helptext):
                    problems.append(f'{rest[0]} has no option {option}')
    elif head == 'bash':
        if len(tokens) < 2 or not osp.isfile(osp.join(REPO_ROOT, tokens[1])):
            problems.append(f'{" ".join(tokens[:2])}: no such script')
    elif head == 'make':
        with open(osp.join(REPO_ROOT, 'Makefile'), encoding='utf-8') as f:
            targets = set(re.findall(r'^([\w-]+):', f.read(), re.M))
        problems += [f'make {t}: no such target' for t in tokens[1:]
                     if '=' not in t and t not in targets]
    elif head == 'pip':
        problems += [f'{t} does not exist' for t in tokens if t.startswith('vadkit_plugins/')
                     and not osp.isdir(osp.join(REPO_ROOT, t))]
    elif head not in ALLOWED:
        problems.append(f'{head}: not a command the documentation may use')
    return problems


def check_python(body: str) -> List[str]:
    """What is wrong with a python block: it must compile once the elisions of config
    snippets (``dict(type='VADMetric', ...)``) are dropped, and its vadkit imports exist."""
    try:
        tree = ast.parse(re.sub(r',\s*\.\.\.', '', body))
    except SyntaxError as exc:
        return [f'does not compile: {exc}']
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('vadkit'):
            module = importlib.import_module(node.module)
            problems += [f'{node.module} has no {a.name}' for a in node.names
                         if not hasattr(module, a.name)]
    return problems


DOCS = doc_files()


def test_the_documentation_is_found():
    assert {'README.md', 'docs/tutorial.md', 'docs/datasets.md', 'docs/tools.md'} <= set(DOCS)
    assert any(run for _, _, run in blocks('docs/tutorial.md'))


@pytest.mark.parametrize('path', DOCS)
def test_every_documented_command_exists_with_its_options(path):
    problems = []
    for lang, body, _ in blocks(path):
        if lang in ('bash', 'sh', 'shell'):
            for command in commands(body):
                problems += [f'`{command[:80]}`: {p}' for p in check_command(command)]
        elif lang == 'python':
            problems += [f'python block: {p}' for p in check_python(body)]
    assert not problems, f'{path}:\n' + '\n'.join(problems)


def test_the_checks_catch_what_they_should():
    assert check_command('python tools/test.py CONFIG CKPT --plot-dir DIR') == []
    assert check_command('python tools/test.py CONFIG CKPT --plot-dirs DIR') == [
        'tools/test.py has no option --plot-dirs']
    assert check_command('python tools/nope.py') == ['tools/nope.py does not exist',
                                                     'tools/nope.py: no such tool']
    assert check_command('python tools/train.py configs/hsc/nope.py') == [
        'configs/hsc/nope.py does not exist']
    assert check_command('make demo') == [] and check_command('make dmeo') == [
        'make dmeo: no such target']
    assert check_command('wget http://x') == ['wget: not a command the documentation may use']
    assert commands('python a.py \\\n    --x 1  # note\n[--y]\n# only\nmake test\n') == [
        'python a.py      --x 1 [--y]', 'make test']
    assert check_python('from vadkit.apis import score_video, nope\n') == [
        'vadkit.apis has no nope']
    assert check_python("x = dict(a=1, ...)\n") == [] and check_python('x = (\n')


def _sandbox(root) -> str:
    """A scratch repository root: the code and configs linked, outputs its own."""
    for name in ('configs', 'tools', 'vadkit_plugins', 'benchmarks', 'Makefile'):
        os.symlink(osp.join(REPO_ROOT, name), osp.join(root, name))
    return str(root)


@pytest.mark.timeout(1500)
def test_the_tutorial_runs_as_written(tmp_path):
    root = _sandbox(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PATH=osp.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
               OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONHASHSEED='0', MPLBACKEND='Agg')
    outputs = []
    for index, (lang, body, run) in enumerate(blocks('docs/tutorial.md')):
        if not run:
            continue
        if lang == 'python':
            script = osp.join(root, f'block_{index}.py')
            with open(script, 'w', encoding='utf-8') as f:
                f.write(body)
            argv = [sys.executable, script]
        else:
            argv = ['bash', '-e', '-c', body]
        proc = subprocess.run(argv, cwd=root, env=env, text=True, capture_output=True,
                              timeout=1200)
        assert proc.returncode == 0, (body, proc.stdout[-3000:], proc.stderr[-3000:])
        outputs.append(proc.stdout)
    work = tmp_path / 'work_dirs' / 'tutorial'
    hsc = json.loads((work / 'hsc' / 'metrics.json').read_text())
    ae = json.loads((work / 'ae' / 'metrics.json').read_text())
    # what the page says: HSC about 0.9 micro AUC, above the plain autoencoder
    assert hsc['micro_auc'] > 0.8 and hsc['micro_auc'] > ae['micro_auc']
    assert len(list((work / 'hsc' / 'curves').glob('*.png'))) == 30
    assert (work / 'hsc' / 'confusion_appearance.png').is_file()
    assert sorted(p.name for p in (work / 'memory').glob('*.png')) == [
        'memory_appearance.png', 'memory_motion.png']
    scored = json.loads((work / 'video' / '01_0003_scores.json').read_text())
    assert scored['alarms'] and (work / 'video' / '01_0003_annotated.mp4').is_file()
    calibration = json.loads((work / 'video' / 'calibration.json').read_text())
    assert calibration['measured_false_alarm_rate'] <= 0.01
    printed = [line for out in outputs for line in out.splitlines()
               if line.startswith(('01_0002 threshold', '02_0003 threshold'))]
    assert len(printed) == 2 and all(str(round(scored['threshold'], 3)) in line
                                     for line in printed)
    assert 'HSC' in outputs[-1] and 'AE' in outputs[-1]
