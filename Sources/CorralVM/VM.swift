// CorralVM: placeholder until the VM lands.
