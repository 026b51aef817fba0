from veille.cli.app import main

main()
