import pathlib
import sys

# tests import their shared helper modules (kernel_cases.py, browser.py) by name
sys.path.insert(0, str(pathlib.Path(__file__).parent))
