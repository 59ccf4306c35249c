import CorralVM
