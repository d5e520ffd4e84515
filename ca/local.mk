# ca/: carecard-ca
