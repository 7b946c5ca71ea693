"""SecureX entry point: `python main.py --help`."""

from securex.__main__ import launch

if __name__ == "__main__":
    launch()
