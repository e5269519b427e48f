from claimtrack.cli import main

main()
