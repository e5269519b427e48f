from claimtrack.launch import main

main()
