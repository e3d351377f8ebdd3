from tmtui.cli import main

main()
