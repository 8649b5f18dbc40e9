"""Run the console against the fake session by hand: python -m tests.console.ui.run_fake"""

from console.ui.app import ConsoleApp
from console.ui.config import ConsoleConfig
from tests.console.ui.fake_session import FakeSession, opener

if __name__ == "__main__":
    ConsoleApp(opener(FakeSession()), ConsoleConfig()).run()
