from tmtui.cli.main import main

main()
