"""readside"""
