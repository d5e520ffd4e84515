# pkcs11 store: card images and module configuration (the only disk code).
