"""Installation of vadkit.

The supported way to install on a fresh machine is ``bash tools/misc/install.sh`` (or
``make install``): it creates ``.venv/``, pins one consistent stack and installs the
OpenMMLab backends with the flags they need on a CPU-only machine
(``docs/installation.md``). ``pip install -e .[openmmlab]`` works too where those packages
are already built.
"""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    with open(osp.join(HERE, 'vadkit', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(name: str) -> list:
    """Read ``requirements/<name>.txt``: one requirement a line, ``#`` comments."""
    path = osp.join(HERE, 'requirements', f'{name}.txt')
    with open(path, encoding='utf-8') as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


setup(
    name='vadkit',
    version=read_version(),
    description='A toolkit for video anomaly detection: video parsing, HSC, GCL, '
    'SA-CRF and ITAM+SMM on the mmengine Runner, with honest evaluation.',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['vadkit', 'vadkit.*']),
    include_package_data=True,
    install_requires=parse_requirements('runtime'),
    extras_require={
        'openmmlab': parse_requirements('openmmlab') +
        parse_requirements('openmmlab_deps'),
        'tests': parse_requirements('tests'),
    },
    entry_points={
        'console_scripts': ['vadkit-plugins=vadkit.plugins:main'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
