"""The commands, by group; each module registers its commands on the app (`shared.app`)."""
