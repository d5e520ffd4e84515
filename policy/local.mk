# policy/: YAML policy engine
