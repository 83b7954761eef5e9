"""What every layer stands on: settings, logging, secrets, the confinement policy, opening a
stored connection under that policy, the Temporal client, and identity (auth)."""
