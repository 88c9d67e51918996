import pathlib
import sys

# tests import the shared mpmath reference module (tests/mpref.py) by name
sys.path.insert(0, str(pathlib.Path(__file__).parent))
