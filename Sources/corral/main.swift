import CorralCLI
